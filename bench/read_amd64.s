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

// func readVec2(src *byte, n uintptr) uint64
TEXT ·readVec2(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ CX, DX
	SHRQ $1, DX // the second half starts DX bytes on
	PXOR X0, X0
	PXOR X1, X1
	PXOR X2, X2
	PXOR X3, X3

halves:
	PADDQ 0(SI), X0
	PADDQ 16(SI), X1
	PADDQ 32(SI), X2
	PADDQ 48(SI), X3
	PADDQ 0(SI)(DX*1), X0
	PADDQ 16(SI)(DX*1), X1
	PADDQ 32(SI)(DX*1), X2
	PADDQ 48(SI)(DX*1), X3
	ADDQ $64, SI
	SUBQ $128, CX
	JNZ  halves
	SUM_X0_X3
	MOVQ AX, ret+16(FP)
	RET

// func readVec512(src *byte, n uintptr) uint64
TEXT ·readVec512(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3

vec512:
	VPADDQ 0(SI), Z0, Z0
	VPADDQ 64(SI), Z1, Z1
	VPADDQ 128(SI), Z2, Z2
	VPADDQ 192(SI), Z3, Z3
	ADDQ $256, SI
	SUBQ $256, CX
	JNZ  vec512
	VPADDQ Z1, Z0, Z0
	VPADDQ Z3, Z2, Z2
	VPADDQ Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDQ Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDQ X1, X0, X0
	PSHUFD $0x4e, X0, X1
	PADDQ X1, X0
	MOVQ X0, AX
	VZEROUPPER
	MOVQ AX, ret+16(FP)
	RET
