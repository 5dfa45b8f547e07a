package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The float64 arithmetic of k-means (package precision's KMeansDist,
// KMeansNorm2, KMeansScale and KMeansFixed), eight float32 elements a
// step widened to eight float64 lanes: one ZMM register on AVX-512, two
// YMM registers (lanes 0–3 and 4–7) on AVX2. Lane k of a sum takes
// elements j ≡ k (mod 8) in order, each with one FMA, exactly as the
// definitions, so every level gives the same bits.

// f64Lanes returns the registers holding eight float64 lanes.
func (s isa) f64Lanes() []VecVirtual {
	if s.wide() {
		return []VecVirtual{ZMM()}
	}
	return []VecVirtual{YMM(), YMM()}
}

// widen loads the eight float32 values at m into the lanes (VCVTPS2PD:
// exact).
func (s isa) widen(m Mem, lanes []VecVirtual) {
	for h, v := range lanes {
		mh := m
		mh.Disp += 16 * h
		VCVTPS2PD(mh, v)
	}
}

// genKMeansLanes emits kmeansNormLanes(s, y) or kmeansDistLanes(s, y,
// c): s[k] = FMA(e_j, e_j, s[k]) for j < len(y) rounded down to 8, k = j
// mod 8, e_j = float64(y_j) (− float64(c_j)).
func genKMeansLanes(s isa, dist bool) {
	name, sig := "kmeansNormLanes", "func(s *[8]float64, y []float32)"
	what := "adds the squares of float64(y[j]) to the float64 lanes s[j mod 8] with FMA, in order of j"
	if dist {
		name, sig = "kmeansDistLanes", "func(s *[8]float64, y []float32, c []float32)"
		what = "adds the squares of float64(y[j]) − float64(c[j]) to the float64 lanes s[j mod 8] with FMA, in order of j"
	}
	name = s.name(name)
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	s.doc(name, what+".", 8)
	ps := Load(Param("s"), GP64())
	py := base("y")
	var pc Register
	if dist {
		pc = base("c")
	}
	n := length("y", 8)
	acc := s.f64Lanes()
	for h, a := range acc {
		VMOVUPD(Mem{Base: ps, Disp: 32 * h}, a)
	}
	i := GP64()
	XORQ(i, i)
	loop("elems", i, n, 8, func() {
		v := s.f64Lanes()
		s.widen(f32(py, i, 0), v)
		if dist {
			w := s.f64Lanes()
			s.widen(f32(pc, i, 0), w)
			for h := range v {
				VSUBPD(w[h], v[h], v[h])
			}
		}
		for h := range v {
			VFMADD231PD(v[h], v[h], acc[h])
		}
	})
	for h, a := range acc {
		VMOVUPD(a, Mem{Base: ps, Disp: 32 * h})
	}
	finish()
}

// genKMeansScale emits kmeansScale(y, x, inv): y[j] =
// float32(float64(x[j])·inv) for j < len(x) rounded down to 8.
func genKMeansScale(s isa) {
	name := s.name("kmeansScale")
	TEXT(name, NOSPLIT, "func(y []float32, x []float32, inv float64)")
	Pragma("noescape")
	s.doc(name, "sets y[j] = float32(float64(x[j])·inv), the product rounded once in float64 and once to float32.", 8)
	py, px := base("y"), base("x")
	n := length("x", 8)
	inv := s.broadcastParamPD("inv")
	i := GP64()
	XORQ(i, i)
	loop("elems", i, n, 8, func() {
		v := s.f64Lanes()
		s.widen(f32(px, i, 0), v)
		for h := range v {
			VMULPD(inv, v[h], v[h])
			o := XMM()
			if s.wide() {
				VCVTPD2PS(v[h], o.AsY())
				VMOVUPS(o.AsY(), f32(py, i, 0))
			} else {
				VCVTPD2PSY(v[h], o)
				VMOVUPS(o, f32(py, i, 4*h))
			}
		}
	})
	finish()
}

// genKMeansAddFixed emits kmeansAddFixed(acc, y, scale): acc[j] +=
// round-to-nearest-even(float64(y[j])·scale) for j < len(y) rounded down
// to 8, when every |y[j]·scale| < 2⁵¹: adding 1.5·2⁵² rounds the product
// to an integer held in the low mantissa bits, which subtracting the
// constant's bits as a 64-bit integer recovers (negative values too).
func genKMeansAddFixed(s isa) {
	name := s.name("kmeansAddFixed")
	TEXT(name, NOSPLIT, "func(acc []int64, y []float32, scale float64)")
	Pragma("noescape")
	s.doc(name, "adds round-to-nearest-even(float64(y[j])·scale) to acc[j] (every |y[j]·scale| < 2^51).", 8)
	pa, py := base("acc"), base("y")
	n := length("y", 8)
	sc := s.broadcastParamPD("scale")
	g := GP64()
	MOVQ(U64(0x4338000000000000), g) // 1.5·2⁵²
	gx := XMM()
	VMOVQ(g, gx)
	magic := s.vec()
	VPBROADCASTQ(gx, magic)
	i := GP64()
	XORQ(i, i)
	loop("elems", i, n, 8, func() {
		v := s.f64Lanes()
		s.widen(f32(py, i, 0), v)
		for h := range v {
			VMULPD(sc, v[h], v[h])
			VADDPD(magic, v[h], v[h])
			VPSUBQ(magic, v[h], v[h])
			m := Mem{Base: pa, Index: i, Scale: 8, Disp: 32 * h}
			VPADDQ(m, v[h], v[h])
			if s.wide() {
				VMOVDQU64(v[h], m)
			} else {
				VMOVDQU(v[h], m)
			}
		}
	})
	finish()
}
