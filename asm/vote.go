package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The kernels of TokenSelect's soft vote (fallback Criticality): a head's
// maximum, its softmax normaliser, and the vote summed over heads. Their
// exponentials are exp32's (vec.Exp) bits.

// genMaxOrdered emits maxOrdered(x) float32: the largest element of x
// (len(x) a positive multiple of the vector width) that is not NaN, −Inf
// when there is none. VMAXPS returns its second operand, the running
// maximum, when an element is NaN, as "if x > m { m = x }" does.
func genMaxOrdered(s isa) {
	name := s.name("maxOrdered")
	TEXT(name, NOSPLIT, "func(x []float32) float32")
	Pragma("noescape")
	s.doc(name, "returns the largest element of x that is not NaN (−Inf when none is).", s.lanes)
	px := base("x")
	n := length("x", s.lanes)
	t32 := s.expTable()
	const units = 4
	m := make([]VecVirtual, units)
	for u := range m {
		m[u] = s.vec()
		VMOVUPS(t32.at(0xff800000), m[u])
	}
	s.elementwise("max", n, units, func(i Register, k int) {
		x, mu := s.vec(), m[k/s.lanes%units]
		VMOVUPS(f32(px, i, k), x)
		VMAXPS(mu, x, mu) // x > m ? x : m
	})
	for _, v := range m[1:] {
		VMAXPS(v, m[0], m[0])
	}
	storeResult(s.hmax(m[0]))
	finish()
}

// genExpSum64 emits expSum64(x, m) float64: Σ exp32(x[i] − m) over the
// elements of x (len(x) a multiple of the vector width) that are not NaN,
// summed in float64 (each exponential widened exactly): a softmax
// normaliser. m must be finite and at least every element; a NaN
// difference is made −Inf (exponential 0) by VMAXPS with −Inf as the
// operand it returns on a NaN.
func genExpSum64(s isa) {
	name := s.name("expSum64")
	TEXT(name, NOSPLIT, "func(x []float32, m float32) float64")
	Pragma("noescape")
	s.doc(name, "returns Σ exp32(x[i] − m) over the elements that are not NaN, in float64.", s.lanes)
	px := base("x")
	n := length("x", s.lanes)
	mv := s.broadcastParam("m")
	t32 := s.expTable()
	ni := s.vec()
	VMOVUPS(t32.at(0xff800000), ni)
	// float64 sums of the low and high halves of each of two vectors
	acc := [4]VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	s.zeroAll(acc[0], acc[1], acc[2], acc[3])
	// vector v of x goes to the pair of sums v%2, whatever the unrolling
	terms := func(i Register, ks []int) {
		for u, p := range s.exp32(true, s.shifted(px, i, ks, mv, ni)...) {
			a := acc[2*(ks[u]/s.lanes%2):]
			lo, hi := s.vec(), s.vec()
			if s.wide() {
				VCVTPS2PD(p.AsY(), lo)
				VEXTRACTF64X4(U8(1), p, p.AsY())
				VCVTPS2PD(p.AsY(), hi)
			} else {
				VCVTPS2PD(p.AsX(), lo)
				VEXTRACTF128(U8(1), p, p.AsX())
				VCVTPS2PD(p.AsX(), hi)
			}
			VADDPD(lo, a[0], a[0])
			VADDPD(hi, a[1], a[1])
		}
	}
	units := 2 // vectors a step, their exponentials interleaved
	if s.wide() {
		units = 4
	}
	i := GP64()
	XORQ(i, i)
	for ; units >= 1; units /= 2 {
		ks := make([]int, units)
		for u := range ks {
			ks[u] = u * s.lanes
		}
		loop(fmt.Sprintf("exp%d", units), i, roundDown(n, units*s.lanes), units*s.lanes, func() { terms(i, ks) })
	}
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0])
	var x Register = acc[0]
	if s.wide() {
		h := YMM()
		VEXTRACTF64X4(U8(1), acc[0], h)
		VADDPD(h, acc[0].AsY(), acc[0].AsY())
		x = acc[0].AsY()
	}
	h := XMM()
	VEXTRACTF128(U8(1), x, h)
	VADDPD(h, x.(VecVirtual).AsX(), x.(VecVirtual).AsX())
	lo := x.(VecVirtual).AsX()
	VPERMILPD(U8(1), lo, h)
	VADDSD(h, lo, lo)
	VMOVSD(lo, resultAddr())
	finish()
}

// shifted returns new vectors holding x[i+k …] − m for each k of ks (x at
// p, m broadcast in mv), a NaN difference made −Inf (exponential 0) by
// VMAXPS with ninf (−Inf) as the operand it returns on a NaN.
func (s isa) shifted(p, i Register, ks []int, mv, ninf Op) []VecVirtual {
	ts := make([]VecVirtual, len(ks))
	for u, k := range ks {
		ts[u] = s.vec()
		VMOVUPS(f32(p, i, k), ts[u])
		VSUBPS(mv, ts[u], ts[u])
		VMAXPS(ninf, ts[u], ts[u]) // t > −Inf ? t : −Inf
	}
	return ts
}

// genSoftVote emits softVote(out, s, offs, m, inv): out[i] = Σ_h
// inv[h]·exp32(s[offs[h]+i] − m[h]) over the heads h < len(m) and i <
// len(out) rounded down to the vector width, a NaN score counting 0 (as
// in expSum64), each head's term added with FMA in head order. Every
// m[h] must be finite and at least the head's scores. Head by head, each
// head's scores are read in order (one stream at a time, which the
// hardware prefetchers follow) and its terms added to out, which stays in
// the L1 cache for a few thousand candidates.
func genSoftVote(s isa) {
	name := s.name("softVote")
	TEXT(name, NOSPLIT, "func(out []float32, s []float32, offs []int, m []float32, inv []float32)")
	Pragma("noescape")
	s.doc(name, "sets out[i] = Σ_h inv[h]·exp32(s[offs[h]+i] − m[h]) for h < len(m), a NaN score counting 0 (FMA, heads in order).", s.lanes)
	po, ps := base("out"), base("s")
	n := length("out", s.lanes)
	poffs, pm, pinv := base("offs"), base("m"), base("inv")
	heads := Load(Param("m").Len(), GP64())
	t32 := s.expTable()
	units := 2 // vectors a step: AVX2's 16 registers hold two exponentials
	if s.wide() {
		units = 4 // 15 % faster than two; not a power of two breaks roundDown
	}
	z := s.vec()
	s.zero(z)
	s.elementwise("clear", n, units, func(i Register, k int) { VMOVUPS(z, f32(po, i, k)) })
	h := GP64()
	XORQ(h, h)
	loop("heads", h, heads, 1, func() {
		row := GP64() // s at head h
		MOVQ(Mem{Base: poffs, Index: h, Scale: 8}, row)
		LEAQ(Mem{Base: ps, Index: row, Scale: 4}, row)
		mv, w := s.vec(), s.vec()
		VBROADCASTSS(Mem{Base: pm, Index: h, Scale: 4}, mv)
		VBROADCASTSS(Mem{Base: pinv, Index: h, Scale: 4}, w)
		terms := func(i Register, ks []int) {
			for u, p := range s.exp32(true, s.shifted(row, i, ks, mv, t32.at(0xff800000))...) {
				a := s.vec()
				VMOVUPS(f32(po, i, ks[u]), a)
				VFMADD231PS(p, w, a)
				VMOVUPS(a, f32(po, i, ks[u]))
			}
		}
		i := GP64()
		XORQ(i, i)
		ks := make([]int, units)
		for u := range ks {
			ks[u] = u * s.lanes
		}
		loop(fmt.Sprintf("terms%d", units), i, roundDown(n, units*s.lanes), units*s.lanes, func() { terms(i, ks) })
		loop("terms1", i, n, s.lanes, func() { terms(i, ks[:1]) })
	})
	finish()
}
