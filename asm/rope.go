package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rotateVectors applies precision.RotatePair's operations to the vectors
// x and y with cos c and sin s (registers or memory operands): x ← x·c −
// y·s, y ← y·c + x·s, four rounded products, one rounded difference and
// one rounded sum.
func (s isa) rotateVectors(x, y Register, c, sn Op) {
	xc, ys, yc, xs := s.vec(), s.vec(), s.vec(), s.vec()
	VMULPS(c, x, xc)
	VMULPS(sn, y, ys)
	VMULPS(c, y, yc)
	VMULPS(sn, x, xs)
	VSUBPS(ys, xc, x)
	VADDPS(xs, yc, y)
}

// headsLoop emits "for ; heads > 0; heads-- { body(); advance ptrs by
// strideBytes }".
func headsLoop(heads, strideBytes Register, ptrs []Register, body func()) {
	Label("head")
	TESTQ(heads, heads)
	JZ(label("head_end"))
	body()
	for _, p := range ptrs {
		ADDQ(strideBytes, p)
	}
	DECQ(heads)
	JMP(label("head"))
	Label("head_end")
}

// genRotate16 emits the fused NeoX rotation of 16-bit heads: in each of
// heads heads, stride elements apart, the first half = len(c) elements
// of src are x and the next half are y; both are widened exactly, rotated
// as rotateVectors and rounded once to the 16-bit type into dst (which is
// src or does not overlap it). For bfloat16 the rounding is roundBF16;
// for binary16 VCVTPS2PH with immediate 0 (round to nearest even). Each
// head starts with prefetchAhead.
func genRotate16(s isa, bf16 bool) {
	base16, what := "rotateF16", "binary16"
	if bf16 {
		base16, what = "rotateBF16", "bfloat16"
	}
	name := s.name(base16)
	TEXT(name, NOSPLIT, "func(dst, src []uint16, c, s []float32, heads, stride int)")
	s.doc(name, "rotates the NeoX pairs (src[h·stride+i], src[h·stride+half+i]) of heads "+what+" heads by c[i], s[i], half = len(c), into dst: widened exactly, rotated as rotate, rounded once to nearest even.", s.lanes)
	pd, ps, pc, pn := base("dst"), base("src"), base("c"), base("s")
	half := Load(Param("c").Len(), GP64())
	n := length("c", s.lanes)
	heads := Load(Param("heads"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(1), stride)
	var k bf16Consts
	if bf16 {
		k = s.bf16Consts()
	}
	span := GP64() // bytes of a head's rotated elements
	LEAQ(Mem{Base: half, Index: half, Scale: 1}, span)
	SHLQ(U8(1), span)
	headsLoop(heads, stride, []Register{pd, ps}, func() {
		prefetchAhead(ps, stride, span)
		// y halves start half elements after x.
		pdy, psy := GP64(), GP64()
		LEAQ(Mem{Base: pd, Index: half, Scale: 2}, pdy)
		LEAQ(Mem{Base: ps, Index: half, Scale: 2}, psy)
		i := GP64()
		XORQ(i, i)
		loop("rot", i, n, s.lanes, func() {
			if bf16 {
				s.rotateBF16Lanes(k, ps, psy, pd, pdy, pc, pn, i)
				return
			}
			x, y := s.vec(), s.vec()
			VCVTPH2PS(u16(ps, i, 0), x)
			VCVTPH2PS(u16(psy, i, 0), y)
			s.rotateVectors(x, y, f32(pc, i, 0), f32(pn, i, 0))
			VCVTPS2PH(U8(0), x, u16(pd, i, 0))
			VCVTPS2PH(U8(0), y, u16(pdy, i, 0))
		})
	})
	finish()
}

// rotateBF16Lanes rotates the lanes NeoX pairs of bfloat16 elements i…
// at ps (x) and psy (y) by the float32 cos and sin at pc and pn (same
// index) into pd and pdy: widened exactly, rotated as rotateVectors,
// rounded as roundBF16 (roundBF16Groups with the AVX512-BF16 rounding).
func (s isa) rotateBF16Lanes(k bf16Consts, ps, psy, pd, pdy, pc, pn, i Register) {
	x, y := s.vec(), s.vec()
	s.loadBF16(u16(ps, i, 0), x)
	s.loadBF16(u16(psy, i, 0), y)
	s.rotateVectors(x, y, f32(pc, i, 0), f32(pn, i, 0))
	if s.bf16 {
		s.roundBF16Groups(k, []Register{x}, []Register{y}, "lanes", func(r []Register) {
			VMOVDQU32(r[0].(VecVirtual).AsY(), u16(pd, i, 0))
			VEXTRACTI64X4(U8(1), r[0], u16(pdy, i, 0))
		}, func(_, rx, ry []Register) {
			VPMOVDW(rx[0], u16(pd, i, 0))
			VPMOVDW(ry[0], u16(pdy, i, 0))
		})
		return
	}
	rx, ry := s.vec(), s.vec()
	s.roundBF16(k, x, rx)
	s.roundBF16(k, y, ry)
	if s.wide() {
		VPMOVDW(rx, u16(pd, i, 0))
		VPMOVDW(ry, u16(pdy, i, 0))
		return
	}
	VPACKUSDW(ry, rx, rx)    // 64-bit blocks x.lo y.lo x.hi y.hi
	VPERMQ(U8(0xd8), rx, rx) // x.lo x.hi y.lo y.hi
	VMOVDQU(rx.AsX(), u16(pd, i, 0))
	VEXTRACTI128(U8(1), rx, u16(pdy, i, 0))
}

// genRotateHeads emits the NeoX rotation of heads float32 heads in
// place, stride elements apart: the first half = len(c) elements of a
// head are x, the next half y, rotated as rotateVectors.
func genRotateHeads(s isa) {
	name := s.name("rotateHeads")
	TEXT(name, NOSPLIT, "func(x []float32, c, s []float32, heads, stride int)")
	s.doc(name, "rotates the NeoX pairs (x[h·stride+i], x[h·stride+half+i]) of heads heads by c[i], s[i] in place, half = len(c).", s.lanes)
	px, pc, pn := base("x"), base("c"), base("s")
	half := Load(Param("c").Len(), GP64())
	n := length("c", s.lanes)
	heads := Load(Param("heads"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	headsLoop(heads, stride, []Register{px}, func() {
		py := GP64()
		LEAQ(Mem{Base: px, Index: half, Scale: 4}, py)
		i := GP64()
		XORQ(i, i)
		loop("rot", i, n, s.lanes, func() {
			x, y := s.vec(), s.vec()
			VMOVUPS(f32(px, i, 0), x)
			VMOVUPS(f32(py, i, 0), y)
			s.rotateVectors(x, y, f32(pc, i, 0), f32(pn, i, 0))
			VMOVUPS(x, f32(px, i, 0))
			VMOVUPS(y, f32(py, i, 0))
		})
	})
	finish()
}

// genRotatePairs emits the GPT-J rotation of interleaved float32 pairs
// (x[2i], x[2i+1]) by c[i], s[i] with rotateVectors' operations: the
// cos and sin are duplicated onto both lanes of a pair, the pair-swapped
// vector is multiplied by the sin, and its even lanes are negated (an
// exact sign flip, so a + (−b) is the rounded a − b) before the sum.
func genRotatePairs(s isa) {
	name := s.name("rotatePairs")
	TEXT(name, NOSPLIT, "func(x, c, s []float32)")
	s.doc(name, "rotates the interleaved pairs (x[2i], x[2i+1]) by c[i], s[i] for i < len(c): x[2i]·c − x[2i+1]·s, x[2i+1]·c + x[2i]·s, every product and sum rounded (no FMA).", s.lanes/2)
	px, pc, pn := base("x"), base("c"), base("s")
	n := length("c", s.lanes/2)
	sign := s.broadcastQ(0x80000000) // the sign bit of every even lane
	i := GP64()
	XORQ(i, i)
	loop("pairs", i, n, s.lanes/2, func() {
		v := s.vec()
		VMOVUPS(Mem{Base: px, Index: i, Scale: 8}, v)
		c, sn := s.vec(), s.vec()
		s.duplicatePairs(f32(pc, i, 0), c)
		s.duplicatePairs(f32(pn, i, 0), sn)
		sw := s.vec()
		VPERMILPS(U8(0xb1), v, sw) // (b, a) in each pair
		VMULPS(c, v, v)            // (a·c, b·c)
		VMULPS(sn, sw, sw)         // (b·s, a·s)
		s.xor(sw, sign, sw)        // (−b·s, a·s)
		VADDPS(sw, v, v)
		VMOVUPS(v, Mem{Base: px, Index: i, Scale: 8})
	})
	finish()
}

// broadcastQ returns a vector holding the 64-bit constant c in every
// 64-bit lane.
func (s isa) broadcastQ(c uint64) VecVirtual {
	g := GP64()
	MOVQ(U64(c), g)
	x := XMM()
	VMOVQ(g, x)
	v := s.vec()
	VPBROADCASTQ(x, v)
	return v
}

// duplicatePairs loads lanes/2 float32 values at m into v with each one
// repeated on two adjacent lanes: (c0, c0, c1, c1, …).
func (s isa) duplicatePairs(m Mem, v VecVirtual) {
	if s.wide() {
		y := YMM()
		VMOVUPS(m, y)
		VPMOVZXDQ(y, v) // c_i in the low half of 64-bit lane i
	} else {
		VPMOVZXDQ(m, v)
	}
	VMOVSLDUP(v, v) // copy each even lane onto the odd one above it
}
