package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The constants of precision's angle pipeline (precision/angle.go): 2/π,
// π/2 in three parts for the Cody–Waite reduction, and the Taylor
// coefficients of sin and cos, as float64 values.
var (
	twoOverPi = 0.63661977236758138243288840385503135621547698974609375
	pio2      = [3]float64{
		1.5707963267948965579989817342720925807952880859375,
		6.123233995736766035868820147291983023128460623387e-17,
		-1.4973849048591698329435797752361637126820975422319e-33,
	}
	sinCoef = []float64{
		-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800,
		1.0 / 6227020800, -1.0 / 1307674368000, 1.0 / 355687428096000,
	}
	cosCoef = []float64{
		-1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800,
		1.0 / 479001600, -1.0 / 87178291200, 1.0 / 20922789888000, -1.0 / 6402373705728000,
	}
)

// angleTable is a read-only table of float64 constants, each repeated
// over one vector of the instruction set, so an arithmetic instruction
// can take it as its memory operand.
type angleTable struct {
	s   isa
	mem Mem
	off map[string]int
}

// angleTables holds each set's table, emitted once.
var angleTables = map[string]angleTable{}

func (s isa) angleTable() angleTable {
	if t, ok := angleTables[s.suffix]; ok {
		return t
	}
	t := angleTable{s: s, mem: GLOBL("angle"+s.suffix, RODATA|NOPTR), off: map[string]int{}}
	add := func(name string, bits uint64) {
		t.off[name] = len(t.off) * s.bytes()
		for l := range s.lanes / 2 {
			DATA(t.off[name]+8*l, U64(bits))
		}
	}
	f := func(name string, v float64) { add(name, math.Float64bits(v)) }
	f("twoOverPi", twoOverPi)
	for i, v := range pio2 {
		f(fmt.Sprint("pio2_", i), v)
	}
	for i, v := range sinCoef {
		f(fmt.Sprint("sin", i), v)
	}
	for i, v := range cosCoef {
		f(fmt.Sprint("cos", i), v)
	}
	f("one", 1)
	f("quarter", 0.25)
	f("four", 4)
	f("magic", 0x1p52)
	add("bit0", 1)
	add("sign", 1<<63)
	angleTables[s.suffix] = t
	return t
}

// at addresses the named constant.
func (t angleTable) at(name string) Mem {
	o, ok := t.off[name]
	if !ok {
		panic("no constant " + name)
	}
	return t.mem.Offset(o)
}

// roundPD rounds the float64 lanes of x into dst: mode 0 to nearest even,
// 1 down. AVX-512 has no VROUNDPD for ZMM; VRNDSCALEPD with scale 0 is
// the same operation.
func (s isa) roundPD(mode uint8, x, dst Register) {
	if s.wide() {
		VRNDSCALEPD(U8(mode), x, dst)
		return
	}
	VROUNDPD(U8(mode), x, dst)
}

func (s isa) andn(a, b, dst Register) { // dst = ^a & b
	if s.wide() {
		VPANDNQ(b, a, dst)
		return
	}
	VPANDN(b, a, dst)
}

func (s isa) andq(a Op, b, dst Register) {
	if s.wide() {
		VPANDQ(a, b, dst)
		return
	}
	VPAND(a, b, dst)
}

func (s isa) orq(a, b, dst Register) {
	if s.wide() {
		VPORQ(a, b, dst)
		return
	}
	VPOR(a, b, dst)
}

func (s isa) xorq(a, b, dst Register) {
	if s.wide() {
		VPXORQ(a, b, dst)
		return
	}
	VPXOR(a, b, dst)
}

// sinCos2 evaluates precision's sinCos2(hi, lo) on every float64 lane,
// operation for operation: k = RoundToEven(hi·2/π); r = fma(−k, π/2 hi,
// hi); r = fma(−k, π/2 mid, r); r += lo; r = fma(−k, π/2 lo, r); the two
// Horner polynomials in r² with FMA; s = fma(r·r², ps, r), c = fma(r²,
// pc, 1); then the quadrant k mod 4 swaps and negates them. The quadrant
// is found without comparisons (AVX-512 has none that give a vector):
// q = k − 4·floor(k/4) is exact, and q + 2^52 holds q in its low bits,
// whose bit 0 becomes a select mask (0 − bit) and whose bits 0 and 1,
// shifted to the sign, become the negations (sin: bit 1; cos: bit 0 xor
// bit 1). Negation is a sign flip, as in Go.
func (s isa) sinCos2(t angleTable, hi, lo Register) (sin, cos VecVirtual) {
	k := s.vec()
	VMULPD(t.at("twoOverPi"), hi, k)
	s.roundPD(0, k, k)
	r := s.vec()
	VMOVUPD(hi, r)
	VFNMADD231PD(t.at("pio2_0"), k, r)
	VFNMADD231PD(t.at("pio2_1"), k, r)
	VADDPD(lo, r, r)
	VFNMADD231PD(t.at("pio2_2"), k, r)
	r2 := s.vec()
	VMULPD(r, r, r2)
	ps, pc := s.vec(), s.vec()
	VMOVUPD(t.at(fmt.Sprint("sin", len(sinCoef)-1)), ps)
	for i := len(sinCoef) - 2; i >= 0; i-- {
		VFMADD213PD(t.at(fmt.Sprint("sin", i)), r2, ps)
	}
	VMOVUPD(t.at(fmt.Sprint("cos", len(cosCoef)-1)), pc)
	for i := len(cosCoef) - 2; i >= 0; i-- {
		VFMADD213PD(t.at(fmt.Sprint("cos", i)), r2, pc)
	}
	sn := s.vec()
	VMULPD(r2, r, sn)
	VFMADD213PD(r, ps, sn) // fma(r·r², ps, r)
	VFMADD213PD(t.at("one"), r2, pc)
	cs := pc // fma(r², pc, 1)

	// The quadrant.
	q := s.vec()
	VMULPD(t.at("quarter"), k, q)
	s.roundPD(1, q, q)
	kq := s.vec()
	VMOVUPD(k, kq)
	VFNMADD231PD(t.at("four"), q, kq) // k − 4·floor(k/4)
	q = kq
	VADDPD(t.at("magic"), q, q)
	m := s.vec()
	s.andq(t.at("bit0"), q, m)
	z := s.vec()
	s.zero(z)
	VPSUBQ(m, z, m) // all ones in odd quadrants
	sin, cos = s.vec(), s.vec()
	a, b := s.vec(), s.vec()
	s.andn(m, sn, a)
	s.andq(m, cs, b)
	s.orq(a, b, sin) // odd ? c : s
	s.andn(m, cs, a)
	s.andq(m, sn, b)
	s.orq(a, b, cos) // odd ? s : c
	VPSLLQ(U8(62), q, a)
	VPSLLQ(U8(63), q, b)
	s.xorq(a, b, b)
	s.andq(t.at("sign"), a, a)
	s.andq(t.at("sign"), b, b)
	s.xorq(a, sin, sin)
	s.xorq(b, cos, cos)
	return sin, cos
}

// narrowPD rounds the float64 lanes of v to float32 in the lower half of
// a vector, returning that half (an X register for AVX2, Y for AVX-512).
func (s isa) narrowPD(v VecVirtual) Register {
	if s.wide() {
		y := YMM()
		VCVTPD2PS(v, y)
		return y
	}
	x := XMM()
	VCVTPD2PSY(v, x)
	return x
}

// half allocates a register of half the set's width: float32 lanes for
// one vector of float64 lanes.
func (s isa) half() VecVirtual {
	if s.wide() {
		return YMM()
	}
	return XMM()
}

// broadcastParamPD returns a vector holding the float64 parameter p in
// every lane.
func (s isa) broadcastParamPD(p string) VecVirtual {
	b, err := Param(p).Resolve()
	if err != nil {
		panic(err)
	}
	v := s.vec()
	VBROADCASTSD(b.Addr, v)
	return v
}

// genAccurateCosSin emits precision.AccurateCosSin over a table of
// inverse frequencies: θ = fl(p·f) with e = fma(p, f, −θ), sinCos2(θ, e),
// both multiplied by attn in float64 (by 1, exactly, when there is no
// factor) and rounded once to float32.
func genAccurateCosSin(s isa) {
	t := s.angleTable()
	name := s.name("accurateCosSin")
	TEXT(name, NOSPLIT, "func(c, s []float32, pos float64, invFreq []float64, attn float64)")
	s.doc(name, "sets c[i], s[i] = precision.AccurateCosSin(pos, invFreq[i], attn) for i < len(c).", s.lanes/2)
	pc, pn, pf := base("c"), base("s"), base("invFreq")
	n := length("c", s.lanes/2)
	p, attn := s.broadcastParamPD("pos"), s.broadcastParamPD("attn")
	i := GP64()
	XORQ(i, i)
	loop("angles", i, n, s.lanes/2, func() {
		th, e := s.vec(), s.vec()
		VMOVUPD(Mem{Base: pf, Index: i, Scale: 8}, e)
		VMULPD(e, p, th)      // θ = fl(p·f)
		VFMSUB213PD(th, p, e) // e = fma(p, f, −θ)
		sin, cos := s.sinCos2(t, th, e)
		VMULPD(attn, cos, cos)
		VMULPD(attn, sin, sin)
		VMOVUPS(s.narrowPD(cos), f32(pc, i, 0))
		VMOVUPS(s.narrowPD(sin), f32(pn, i, 0))
	})
	finish()
}

// genCompatCosSin emits precision.CompatCosSin over a table of float32
// inverse frequencies: θ = float64(fl32(p·f)), sinCos2(θ, 0), rounded to
// float32 and then multiplied by float32(attn) in float32 (by 1, exactly,
// when there is no factor).
func genCompatCosSin(s isa) {
	t := s.angleTable()
	name := s.name("compatCosSin")
	TEXT(name, NOSPLIT, "func(c, s []float32, pos float32, invFreq []float32, attn float32)")
	s.doc(name, "sets c[i], s[i] = precision.CompatCosSin(pos, invFreq[i], attn) for i < len(c), pos and attn given as float32.", s.lanes/2)
	pc, pn, pf := base("c"), base("s"), base("invFreq")
	n := length("c", s.lanes/2)
	bcast := func(name string) Register {
		b, err := Param(name).Resolve()
		if err != nil {
			panic(err)
		}
		v := s.half()
		VBROADCASTSS(b.Addr, v)
		return v
	}
	p, attn := bcast("pos"), bcast("attn")
	zero := s.vec()
	s.zero(zero)
	i := GP64()
	XORQ(i, i)
	loop("angles", i, n, s.lanes/2, func() {
		a := s.half()
		VMULPS(f32(pf, i, 0), p, a) // fl32(p·f)
		th := s.vec()
		VCVTPS2PD(a, th)
		sin, cos := s.sinCos2(t, th, zero)
		for _, v := range []struct {
			x   VecVirtual
			dst Register
		}{{cos, pc}, {sin, pn}} {
			h := s.narrowPD(v.x)
			VMULPS(attn, h, h)
			VMOVUPS(h, f32(v.dst, i, 0))
		}
	})
	finish()
}
