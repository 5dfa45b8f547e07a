package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genBF16ToF32 emits the exact bfloat16 → float32 widening.
func genBF16ToF32(s isa) {
	name := s.name("bf16ToF32")
	TEXT(name, NOSPLIT, "func(dst []float32, src []uint16)")
	s.doc(name, "sets dst[i] to the float32 of bfloat16 bits src[i] for i < len(src).", s.lanes)
	pd, ps := base("dst"), base("src")
	n := length("src", s.lanes)
	s.elementwise("wide", n, 4, func(i Register, k int) {
		v := s.vec()
		s.loadBF16(u16(ps, i, k), v)
		VMOVUPS(v, f32(pd, i, k))
	})
	finish()
}

// bf16Consts are the broadcast constants of the float32 → bfloat16
// rounding.
type bf16Consts struct{ abs, inf, half, one, quiet Register }

func (s isa) bf16Consts() bf16Consts {
	k := bf16Consts{
		half:  s.broadcastD(0x7fff),
		one:   s.broadcastD(1),
		quiet: s.broadcastD(0x40),
	}
	if s.wide() {
		k.abs, k.inf = s.broadcastD(0x7fffffff), s.broadcastD(0x7f800000)
	}
	return k
}

// roundBF16 turns the float32 bits in u into their bfloat16 bits in the
// low half of each 32-bit lane of r, exactly as precision.BF16FromFloat32:
// r = (u + 0x7fff + (u>>16 & 1)) >> 16 (round to nearest, ties to even),
// except that a NaN (|u| > 0x7f800000) gives u>>16 | 0x40 (sign and top
// payload bits kept, quiet bit set). AVX2 finds the NaN lanes with an
// unordered compare and blends; AVX-512, whose compares give mask
// registers, selects without one: 0x7f800000 − |u| is negative exactly for
// a NaN, and its sign spread over the lane is the selection mask.
func (s isa) roundBF16(k bf16Consts, u, r Register) {
	h := s.vec()
	VPSRLD(U8(16), u, h)
	lsb := s.vec()
	s.and(h, k.one, lsb)
	s.or(h, k.quiet, h) // the NaN result
	if !s.wide() {
		m := s.vec()
		VCMPPS(U8(3), u, u, m) // unordered: all ones in NaN lanes
		VPADDD(k.half, u, r)
		VPADDD(lsb, r, r)
		VPSRLD(U8(16), r, r)
		VBLENDVPS(m, h, r, r) // r = NaN lane ? NaN result : rounded
		return
	}
	m := s.vec()
	s.and(u, k.abs, m)
	VPSUBD(m, k.inf, m)
	VPSRAD(U8(31), m, m) // all ones in NaN lanes
	VPADDD(k.half, u, r)
	VPADDD(lsb, r, r)
	VPSRLD(U8(16), r, r)
	s.xor(r, h, h)
	s.and(h, m, h)
	s.xor(h, r, r) // r = NaN lane ? NaN result : rounded
}

// genF32ToBF16 emits the float32 → bfloat16 rounding, 16 elements at a
// time: AVX2 packs two vectors of 32-bit results into one of 16-bit ones
// (VPACKUSDW works within 128-bit halves, VPERMQ restores the order);
// AVX-512 narrows one vector with VPMOVDW; AVX512-BF16 rounds 32
// elements a time with roundBF16Groups.
func genF32ToBF16(s isa) {
	name := s.name("f32ToBF16")
	step := 16
	if s.bf16 {
		step = 32
	}
	TEXT(name, NOSPLIT, "func(dst []uint16, src []float32)")
	s.doc(name, "sets dst[i] to the bfloat16 bits of src[i] (round to nearest even, NaN quiet with its sign and top payload bits) for i < len(src).", step)
	pd, ps := base("dst"), base("src")
	n := length("src", step)
	k := s.bf16Consts()
	i := GP64()
	XORQ(i, i)
	loop("round", i, n, step, func() {
		if s.bf16 {
			u0, u1 := s.vec(), s.vec()
			VMOVUPS(f32(ps, i, 0), u0)
			VMOVUPS(f32(ps, i, 16), u1)
			s.roundBF16Groups(k, []Register{u0}, []Register{u1}, "round", func(r []Register) {
				VMOVDQU32(r[0], u16(pd, i, 0))
			}, func(_, r0, r1 []Register) {
				VPMOVDW(r0[0], u16(pd, i, 0))
				VPMOVDW(r1[0], u16(pd, i, 16))
			})
			return
		}
		if s.wide() {
			u, r := s.vec(), s.vec()
			VMOVUPS(f32(ps, i, 0), u)
			s.roundBF16(k, u, r)
			VPMOVDW(r, u16(pd, i, 0))
			return
		}
		var r [2]Register
		for h := range r {
			u := s.vec()
			VMOVUPS(f32(ps, i, 8*h), u)
			r[h] = s.vec()
			s.roundBF16(k, u, r[h])
		}
		VPACKUSDW(r[1], r[0], r[0])  // 64-bit blocks r0.lo r1.lo r0.hi r1.hi
		VPERMQ(U8(0xd8), r[0], r[0]) // blocks 0, 2, 1, 3
		VMOVDQU(r[0], u16(pd, i, 0))
	})
	finish()
}

// genF16ToF32 emits the exact IEEE binary16 → float32 widening
// (VCVTPH2PS).
func genF16ToF32(s isa) {
	name := s.name("f16ToF32")
	TEXT(name, NOSPLIT, "func(dst []float32, src []uint16)")
	s.doc(name, "sets dst[i] to the float32 of binary16 bits src[i] for i < len(src) (a NaN keeps its sign and payload and is made quiet).", s.lanes)
	pd, ps := base("dst"), base("src")
	n := length("src", s.lanes)
	s.elementwise("wide", n, 4, func(i Register, k int) {
		v := s.vec()
		VCVTPH2PS(u16(ps, i, k), v)
		VMOVUPS(v, f32(pd, i, k))
	})
	finish()
}

// genF32ToF16 emits the float32 → IEEE binary16 rounding (VCVTPS2PH with
// immediate 0: round to nearest even whatever MXCSR says).
func genF32ToF16(s isa) {
	name := s.name("f32ToF16")
	TEXT(name, NOSPLIT, "func(dst []uint16, src []float32)")
	s.doc(name, "sets dst[i] to the binary16 bits of src[i] (round to nearest even; a NaN keeps its sign and top payload bits and is made quiet) for i < len(src).", s.lanes)
	pd, ps := base("dst"), base("src")
	n := length("src", s.lanes)
	s.elementwise("narrow", n, 4, func(i Register, k int) {
		v := s.vec()
		VMOVUPS(f32(ps, i, k), v)
		VCVTPS2PH(U8(0), v, u16(pd, i, k))
	})
	finish()
}
