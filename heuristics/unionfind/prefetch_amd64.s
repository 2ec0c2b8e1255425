#include "textflag.h"

// func prefetchNodes(nodes *node, ids []uint32)
// Issues PREFETCHT0 for &nodes[id] of each id. A prefetch never faults, so an id past the end is harmless here.
TEXT ·prefetchNodes(SB), NOSPLIT, $0-32
	MOVQ nodes+0(FP), AX
	MOVQ ids_base+8(FP), SI
	MOVQ ids_len+16(FP), CX
	TESTQ CX, CX
	JEQ done
loop:
	MOVL (SI), DX
	PREFETCHT0 (AX)(DX*8)
	ADDQ $4, SI
	DECQ CX
	JNE loop
done:
	RET
