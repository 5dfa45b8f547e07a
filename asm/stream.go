package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genStoreLinesNT emits storeLinesNT(dst, dstride, src, rows, lines): for
// every row r < rows it copies the lines·64 bytes at src + r·lines·64 to
// dst + r·dstride with non-temporal stores (MOVNTPS), which write whole
// cache lines to memory without reading them first. dst's rows must be
// 16-byte aligned. It needs only SSE, so one variant serves every level.
func genStoreLinesNT() {
	TEXT("storeLinesNT", NOSPLIT, "func(dst *byte, dstride uintptr, src *byte, rows, lines uintptr)")
	Pragma("noescape")
	Doc("storeLinesNT copies rows rows of lines 64-byte lines from src (rows contiguous) to dst (rows dstride bytes apart, 16-byte aligned) with non-temporal stores; rows and lines are positive.")
	dst := Load(Param("dst"), GP64())
	stride := Load(Param("dstride"), GP64())
	src := Load(Param("src"), GP64())
	rows := Load(Param("rows"), GP64())
	lines := Load(Param("lines"), GP64())
	Label("row")
	d, n := GP64(), GP64()
	MOVQ(dst, d)
	MOVQ(lines, n)
	Label("line")
	var x [4]VecVirtual
	for i := range x {
		x[i] = XMM()
		MOVUPS(Mem{Base: src, Disp: 16 * i}, x[i])
	}
	for i := range x {
		MOVNTPS(x[i], Mem{Base: d, Disp: 16 * i})
	}
	ADDQ(U32(64), src)
	ADDQ(U32(64), d)
	DECQ(n)
	JNZ(LabelRef("line"))
	ADDQ(stride, dst)
	DECQ(rows)
	JNZ(LabelRef("row"))
	RET()
}

// genStoreFence emits storeFence(): an SFENCE, after which the
// non-temporal stores before it are ordered before every later store.
func genStoreFence() {
	TEXT("storeFence", NOSPLIT, "func()")
	Doc("storeFence orders the non-temporal stores before it before every later store (SFENCE).")
	SFENCE()
	RET()
}
