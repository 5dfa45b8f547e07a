package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The constants of vec's exponential (vec_generic.go, exp32): ln 2 in two
// parts, log2(e), the argument range, and the Taylor coefficients 1/k!
// for k = 7…0, all rounded to float32 as the Go constants are.
var (
	expLog2E = float32(1.44269504088896341)
	expLn2Hi = float32(0.693145751953125)
	expLn2Lo = float32(1.42860682030941723212e-6)
	expMin   = float32(-87.33654)
	expMax   = float32(88)
	expCoef  = []float32{1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1}
)

// genExpShift emits expShift(x, m): x[i] = exp32(x[i] − m) for every
// element, returning their sum, or returning ok = false having written
// nothing when some x[i] − m exceeds expMax (then the caller takes the
// plain-Go path, whose exponential there is math.Exp). A first pass
// finds that case: the sign bits of expMax − t are or-ed together (a NaN
// t may set one too; the plain-Go path handles it as well).
//
// Per element, exactly exp32's float32 operations: n = trunc(t·log2e +
// copysign(0.5, t)) (copysign differs from exp32's 0.5·sign(t) only at
// t = −0, where both give n = 0); r = (t − n·ln2hi) − n·ln2lo; Horner
// with separate multiplications and additions; times 2^n built in the
// exponent bits. Then t < expMin gives 0 and a NaN t gives t, selected
// without comparisons (sign of t − expMin; sign of 0x7f800000 − |t|).
func genExpShift(s isa) {
	name := s.name("expShift")
	TEXT(name, NOSPLIT, "func(x []float32, m float32) (sum float32, ok bool)")
	s.doc(name, "sets x[i] = exp32(x[i] − m) and returns their sum (ok) unless some x[i] − m > 88 (not ok, nothing written).", s.lanes)
	px := base("x")
	n := length("x", s.lanes)
	mv := s.broadcastParam("m")
	t32 := s.expTable()
	bc := func(f float32) Mem { return t32.at(math.Float32bits(f)) }

	// Pass 1: any t > expMax?
	maxv := s.vec()
	VMOVUPS(bc(expMax), maxv)
	flags := s.vec()
	s.zero(flags)
	i := GP64()
	XORQ(i, i)
	loop("check", i, n, s.lanes, func() {
		t, d := s.vec(), s.vec()
		VMOVUPS(f32(px, i, 0), t)
		VSUBPS(mv, t, t)
		VSUBPS(t, maxv, d) // expMax − t: negative when t > expMax
		s.or(d, flags, flags)
	})
	if s.wide() {
		hi := YMM()
		VEXTRACTF64X4(U8(1), flags, hi)
		VPORD(hi, flags.AsY(), hi)
		VMOVUPS(hi, Y0)
	} else {
		VMOVUPS(flags, Y0)
	}
	mask := GP32()
	VMOVMSKPS(Y0, mask)
	okb, err := ReturnIndex(1).Resolve()
	if err != nil {
		panic(err)
	}
	TESTL(mask, mask)
	JZ(label("compute"))
	MOVB(U8(0), okb.Addr)
	VZEROUPPER()
	RET()

	// Pass 2: the exponentials.
	Label("compute")
	sum := s.vec()
	s.zero(sum)
	XORQ(i, i)
	loop("exp", i, n, s.lanes, func() {
		t := s.vec()
		VMOVUPS(f32(px, i, 0), t)
		VSUBPS(mv, t, t)
		p := s.exp32(false, t)[0]
		VMOVUPS(p, f32(px, i, 0))
		VADDPS(p, sum, sum)
	})
	VMOVSS(s.hsum(sum), resultAddr())
	MOVB(U8(1), okb.Addr)
	finish()
}

// exp32 returns new vectors holding exp32(t) in every lane of each t
// (the ts are left alone): exactly exp32's float32 operations, as
// genExpShift describes them. Every step is emitted for all the vectors
// in turn, so that their long dependency chains (the Horner polynomial
// above all) overlap. With nonPos, every lane of the ts must be ≤ 0 or
// −Inf (never NaN): then copysign(0.5, t) is −0.5 (at t = ±0 both signs
// give n = 0) and the NaN selection is left out, with the same results.
func (s isa) exp32(nonPos bool, ts ...VecVirtual) []VecVirtual {
	t32 := s.expTable()
	bc := func(f float32) Mem { return t32.at(math.Float32bits(f)) }
	half, sign := bc(0.5), t32.at(0x80000000)
	k := len(ts)
	each := func(f func(j int)) {
		for j := range k {
			f(j)
		}
	}
	vecs := func() []VecVirtual {
		v := make([]VecVirtual, k)
		for j := range v {
			v[j] = s.vec()
		}
		return v
	}
	// n = trunc(t·log2e + copysign(0.5, t)); r = (t − n·ln2hi) − n·ln2lo,
	// one vector after the other (few live registers), then the
	// polynomial and the rest for all of them step by step. With AVX-512,
	// n is rounded to an integral float (VRNDSCALEPS, truncating: −0
	// where the conversions give +0, which changes no result, as r = ±0
	// then feeds only additions of non-zero constants) and the power of
	// two is applied by VSCALEFPS, the correctly rounded p·2^n that the
	// multiplication by 2^n (a normal number for n ≥ −126, which t ≥
	// expMin ensures) gives too; lanes below expMin are zeroed by its
	// mask, from one comparison.
	ni, nf, r := vecs(), vecs(), vecs()
	each(func(j int) {
		a := s.vec()
		VMULPS(bc(expLog2E), ts[j], a)
		if nonPos {
			VADDPS(bc(-0.5), a, a)
		} else {
			h := s.vec()
			s.andm(sign, ts[j], h)
			s.orm(half, h, h)
			VADDPS(h, a, a)
		}
		if s.wide() {
			VRNDSCALEPS(U8(0x0b), a, nf[j]) // truncate, no precision exception
		} else {
			VCVTTPS2DQ(a, ni[j])
			VCVTDQ2PS(ni[j], nf[j])
		}
		q := s.vec()
		VMULPS(bc(expLn2Hi), nf[j], q)
		VSUBPS(q, ts[j], r[j])
		VMULPS(bc(expLn2Lo), nf[j], q)
		VSUBPS(q, r[j], r[j])
	})
	p := vecs()
	each(func(j int) { VMOVUPS(bc(expCoef[0]), p[j]) })
	for _, c := range expCoef[1:] {
		each(func(j int) { VMULPS(r[j], p[j], p[j]) })
		each(func(j int) { VADDPS(bc(c), p[j], p[j]) })
	}
	if s.wide() {
		// times 2^n where t ≥ expMin, else 0 (−Inf, and NaN for the
		// selection below)
		each(func(j int) {
			k := K()
			VCMPPS(U8(0x1d), bc(expMin), ts[j], k) // t ≥ expMin (GE_OQ)
			VSCALEFPS_Z(nf[j], p[j], k, p[j])
		})
	} else {
		// times 2^n
		each(func(j int) { VPADDD(t32.at(127), ni[j], ni[j]) })
		each(func(j int) { VPSLLD(U8(23), ni[j], ni[j]) })
		each(func(j int) { VMULPS(ni[j], p[j], p[j]) })
		// t < expMin → 0; NaN t → t.
		low := vecs()
		each(func(j int) { VSUBPS(bc(expMin), ts[j], low[j]) })
		each(func(j int) { VPSRAD(U8(31), low[j], low[j]) })
		each(func(j int) { s.andn(low[j], p[j], p[j]) })
	}
	if nonPos {
		return p
	}
	nan := vecs()
	each(func(j int) { s.andm(t32.at(0x7fffffff), ts[j], nan[j]) })
	inf := s.vec()
	VMOVUPS(t32.at(0x7f800000), inf)
	each(func(j int) { VPSUBD(nan[j], inf, nan[j]) })
	each(func(j int) { VPSRAD(U8(31), nan[j], nan[j]) })
	each(func(j int) {
		s.andn(nan[j], p[j], p[j])
		s.and(nan[j], ts[j], nan[j])
		s.or(nan[j], p[j], p[j])
	})
	return p
}

// constTable is a read-only table of 32-bit constants, each repeated over
// one vector, for memory operands.
type constTable struct {
	mem Mem
	off map[uint32]int
}

var expTables = map[string]constTable{}

// expTable returns the set's table of the exponential's constants.
func (s isa) expTable() constTable {
	if t, ok := expTables[s.suffix]; ok {
		return t
	}
	t := constTable{mem: GLOBL("exp"+s.suffix, RODATA|NOPTR), off: map[uint32]int{}}
	add := func(bits uint32) {
		if _, ok := t.off[bits]; ok {
			return
		}
		t.off[bits] = len(t.off) * s.bytes()
		for l := range s.lanes {
			DATA(t.off[bits]+4*l, U32(bits))
		}
	}
	for _, f := range append([]float32{expLog2E, expLn2Hi, expLn2Lo, expMin, expMax, 0.5, -0.5}, expCoef...) {
		add(math.Float32bits(f))
	}
	for _, b := range []uint32{0x80000000, 127, 0x7fffffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xff7fffff} {
		add(b)
	}
	expTables[s.suffix] = t
	return t
}

func (t constTable) at(bits uint32) Mem {
	o, ok := t.off[bits]
	if !ok {
		panic("no constant")
	}
	return t.mem.Offset(o)
}

// andm and orm are and and or with a memory first operand.
func (s isa) andm(m Op, b, dst Register) {
	if s.wide() {
		VPANDD(m, b, dst)
		return
	}
	VPAND(m, b, dst)
}

func (s isa) orm(m Op, b, dst Register) {
	if s.wide() {
		VPORD(m, b, dst)
		return
	}
	VPOR(m, b, dst)
}
