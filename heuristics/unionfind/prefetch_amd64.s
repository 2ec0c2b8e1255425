#include "textflag.h"

// func prefetchNodes(nodes *node, ids []uint32)
// Issues PREFETCHW for &nodes[id] of each id. A prefetch never faults, so an id past the end is harmless here.
// The Go assembler has no PREFETCHW mnemonic: the bytes are 0F 0D /1 with (AX)(DX*8) as operand. CPUs
// without it run it as a no-op.
TEXT ·prefetchNodes(SB), NOSPLIT, $0-32
	MOVQ nodes+0(FP), AX
	MOVQ ids_base+8(FP), SI
	MOVQ ids_len+16(FP), CX
	TESTQ CX, CX
	JEQ done
loop:
	MOVL (SI), DX
	BYTE $0x0F; BYTE $0x0D; BYTE $0x0C; BYTE $0xD0 // PREFETCHW (AX)(DX*8)
	ADDQ $4, SI
	DECQ CX
	JNE loop
done:
	RET
