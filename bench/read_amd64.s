//go:build amd64 && !purego

#include "textflag.h"

// SUM_X0_X3 leaves in AX the sum of the 64-bit lanes of X0-X3.
#define SUM_X0_X3 \
	PADDQ  X1, X0 \
	PADDQ  X3, X2 \
	PADDQ  X2, X0 \
	MOVQ   X0, AX \
	PSRLDQ $8, X0 \
	MOVQ   X0, BX \
	ADDQ   BX, AX

// func readVec(src *byte, n uintptr) uint64
TEXT ·readVec(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	PXOR X0, X0
	PXOR X1, X1
	PXOR X2, X2
	PXOR X3, X3

vec:
	PADDQ 0(SI), X0
	PADDQ 16(SI), X1
	PADDQ 32(SI), X2
	PADDQ 48(SI), X3
	PADDQ 64(SI), X0
	PADDQ 80(SI), X1
	PADDQ 96(SI), X2
	PADDQ 112(SI), X3
	PADDQ 128(SI), X0
	PADDQ 144(SI), X1
	PADDQ 160(SI), X2
	PADDQ 176(SI), X3
	PADDQ 192(SI), X0
	PADDQ 208(SI), X1
	PADDQ 224(SI), X2
	PADDQ 240(SI), X3
	ADDQ $256, SI
	SUBQ $256, CX
	JNZ  vec
	SUM_X0_X3
	MOVQ AX, ret+16(FP)
	RET

// func readVec4(src *byte, n uintptr) uint64
TEXT ·readVec4(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	PXOR X0, X0
	PXOR X1, X1
	PXOR X2, X2
	PXOR X3, X3

pages:
	MOVQ $64, DX // lines per page

line:
	PADDQ 0(SI), X0
	PADDQ 16(SI), X1
	PADDQ 32(SI), X2
	PADDQ 48(SI), X3
	PADDQ 4096(SI), X0
	PADDQ 4112(SI), X1
	PADDQ 4128(SI), X2
	PADDQ 4144(SI), X3
	PADDQ 8192(SI), X0
	PADDQ 8208(SI), X1
	PADDQ 8224(SI), X2
	PADDQ 8240(SI), X3
	PADDQ 12288(SI), X0
	PADDQ 12304(SI), X1
	PADDQ 12320(SI), X2
	PADDQ 12336(SI), X3
	ADDQ $64, SI
	DECQ DX
	JNZ  line
	ADDQ $12288, SI // on to the next four pages
	SUBQ $16384, CX
	JNZ  pages
	SUM_X0_X3
	MOVQ AX, ret+16(FP)
	RET
