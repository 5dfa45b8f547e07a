package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genMinBlock emits minBlock(x, xstride, nk, col, m1, m2, i1): for each
// row r < len(m1), the nk values at x[r·xstride] (nk rounded down to the
// vector width), at columns col, col+1, …, are folded into the running
// minimum m1[r], the first column i1[r] holding it, and the second
// smallest value m2[r] (a repeat of the minimum counts). Each lane keeps
// its own minimum, the first column of it and its second smallest
// (max(min, v) folded into a minimum), with operand orders chosen so that
// a NaN value changes nothing; then the lanes are reduced: the block
// minimum, the least column among the lanes holding it, and the second
// smallest of the other lanes' minima and every lane's second smallest.
// The block result is merged into the row's state as the plain loop
// would: a smaller minimum moves the old one into m2.
func genMinBlock(s isa) {
	name := s.name("minBlock")
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, nk int, col int, m1 []float32, m2 []float32, i1 []int32)")
	Pragma("noescape")
	s.doc(name, "folds the nk values of the rows r < len(m1) at x[r·xstride] (columns col, col+1, …) into the running minimum m1[r], its first column i1[r] and the second smallest m2[r]; NaN values are never taken.", s.lanes)
	iota := GLOBL("minIota"+s.suffix, RODATA|NOPTR)
	for l := range s.lanes {
		DATA(4*l, U32(l))
	}
	px := base("x")
	xs := Load(Param("xstride"), GP64())
	SHLQ(U8(2), xs)
	nk := Load(Param("nk"), GP64())
	ANDQ(I32(-s.lanes), nk)
	pm1, pm2, pi1 := base("m1"), base("m2"), base("i1")
	rows := Load(Param("m1").Len(), GP64())
	inf := s.broadcastD(0x7f800000)
	intMax := s.broadcastD(0x7fffffff)
	step := s.broadcastD(uint32(s.lanes))
	col := Load(Param("col"), GP64()).(GPVirtual)
	cx := XMM()
	VMOVD(col.As32(), cx)
	first := s.vec() // the columns of the first vector
	VPBROADCASTD(cx, first)
	VPADDD(iota, first, first)
	r := GP64()
	XORQ(r, r)
	elem := func(p Register) Mem { return Mem{Base: p, Index: r, Scale: 4} }

	Label("row")
	CMPQ(r, rows)
	JAE(label("done"))
	m1, m2, idx, cols := s.vec(), s.vec(), s.vec(), s.vec()
	VMOVAPS(inf, m1)
	VMOVAPS(inf, m2)
	VMOVAPS(first, idx)
	VMOVAPS(first, cols)
	i := GP64()
	XORQ(i, i)
	loop("cols", i, nk, s.lanes, func() {
		v, t := s.vec(), s.vec()
		VMOVUPS(f32(px, i, 0), v)
		VMAXPS(v, m1, t)  // t = m1 > v ? m1 : v (NaN v: NaN)
		VMINPS(m2, t, m2) // m2 = t < m2 ? t : m2 (NaN t: m2)
		s.blendLess(v, m1, cols, idx)
		VMINPS(m1, v, m1) // m1 = v < m1 ? v : m1 (NaN v: m1)
		VPADDD(step, cols, cols)
	})
	// the block minimum
	t := s.vec()
	VMOVAPS(m1, t)
	bm1 := s.hreduce(t, VMINPS)
	bv := s.vec()
	VBROADCASTSS(bm1, bv)
	// the least column among the lanes holding it
	im := s.vec()
	VMOVAPS(intMax, im)
	s.blendEq(bv, m1, idx, im) // im = m1 == bm1 ? idx : intMax
	bi := s.hreduce(im, VPMINSD)
	biv := s.vec()
	VPBROADCASTD(bi, biv)
	// the second smallest: that lane's minimum left out
	rest := s.vec()
	VMOVAPS(m1, rest)
	s.blendEqInt(biv, idx, inf, rest) // rest = idx == bi ? +Inf : m1
	VMINPS(m2, rest, rest)
	bm2 := s.hreduce(rest, VMINPS)

	mo, tm := XMM(), XMM()
	VMOVSS(elem(pm1), mo)
	VUCOMISS(mo, bm1)
	JAE(label("keep")) // bm1 ≥ m1[r]
	VMINSS(bm2, mo, tm)
	VMOVSS(tm, elem(pm2))
	VMOVSS(bm1, elem(pm1))
	VMOVD(bi, elem(pi1))
	JMP(label("next"))
	Label("keep")
	VMOVSS(elem(pm2), tm)
	VMINSS(bm1, tm, tm)
	VMOVSS(tm, elem(pm2))

	Label("next")
	ADDQ(xs, px)
	INCQ(r)
	JMP(label("row"))
	Label("done")
	finish()
}

// blendLess sets dst = v < m ? src : dst, lane by lane (false for NaN).
func (s isa) blendLess(v, m, src, dst VecVirtual) {
	s.blendWhere(func(mask Register) { VCMPPS(U8(0x11), m, v, mask) }, src, dst) // LT_OQ
}

// blendEq sets dst = a == b ? src : dst, lane by lane (float compare).
func (s isa) blendEq(a, b, src, dst VecVirtual) {
	s.blendWhere(func(mask Register) { VCMPPS(U8(0x00), a, b, mask) }, src, dst) // EQ_OQ
}

// blendEqInt sets dst = a == b ? src : dst, lane by lane (32-bit integer
// compare).
func (s isa) blendEqInt(a, b, src, dst VecVirtual) {
	s.blendWhere(func(mask Register) { VPCMPEQD(a, b, mask) }, src, dst)
}

// blendWhere sets dst = src in the lanes that cmp, a compare writing its
// result to mask (a K register on AVX-512, a vector of all-ones lanes on
// AVX2), selects.
func (s isa) blendWhere(cmp func(mask Register), src, dst VecVirtual) {
	if s.wide() {
		k := K()
		cmp(k)
		VPBLENDMD(src, dst, k, dst)
		return
	}
	c := s.vec()
	cmp(c)
	VBLENDVPS(c, src, dst, dst)
}
