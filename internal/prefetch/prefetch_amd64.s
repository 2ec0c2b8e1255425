#include "textflag.h"

// func ForWrite(addrs []uintptr)
// The Go assembler has no PREFETCHW mnemonic: the bytes are 0F 0D /1 with (AX) as operand. A prefetch
// never faults; CPUs without PREFETCHW run it as a no-op.
TEXT ·ForWrite(SB), NOSPLIT, $0-24
	MOVQ addrs_base+0(FP), SI
	MOVQ addrs_len+8(FP), CX
	TESTQ CX, CX
	JEQ done
loop:
	MOVQ (SI), AX
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08 // PREFETCHW (AX)
	ADDQ $8, SI
	DECQ CX
	JNE loop
done:
	RET

// func ForRead(addrs []uintptr)
TEXT ·ForRead(SB), NOSPLIT, $0-24
	MOVQ addrs_base+0(FP), SI
	MOVQ addrs_len+8(FP), CX
	TESTQ CX, CX
	JEQ doneread
loopread:
	MOVQ (SI), AX
	PREFETCHT0 (AX)
	ADDQ $8, SI
	DECQ CX
	JNE loopread
doneread:
	RET
