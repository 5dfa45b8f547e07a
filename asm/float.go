package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// loadKey returns the vector of b's elements i+k… as float32: a memory
// operand for float32 b, a widened register for bfloat16 b.
func (s isa) loadKey(pb, i Register, k int, bf16 bool) Op {
	if !bf16 {
		return f32(pb, i, k)
	}
	v := s.vec()
	s.loadBF16(u16(pb, i, k), v)
	return v
}

// genDot emits dot(a, b) = Σ a[i]·b[i] with four accumulators of FMAs,
// b float32 or bfloat16.
func genDot(s isa, bf16 bool) {
	name, sig := s.name("dot"), "func(a, b []float32) float32"
	if bf16 {
		name, sig = s.name("dotBF16"), "func(a []float32, b []uint16) float32"
	}
	TEXT(name, NOSPLIT, sig)
	s.doc(name, "returns Σ a[i]·b[i] for i < len(a), in four interleaved FMA accumulators added pairwise.", s.lanes)
	const unroll = 4
	pa, pb := base("a"), base("b")
	n := length("a", s.lanes)
	nu := roundDown(n, unroll*s.lanes)
	var acc [unroll]VecVirtual
	for u := range acc {
		acc[u] = s.vec()
		s.zero(acc[u])
	}
	i := GP64()
	XORQ(i, i)
	loop("dot4", i, nu, unroll*s.lanes, func() {
		for u := range acc {
			a := s.vec()
			VMOVUPS(f32(pa, i, u*s.lanes), a)
			VFMADD231PS(s.loadKey(pb, i, u*s.lanes, bf16), a, acc[u])
		}
	})
	loop("dot1", i, n, s.lanes, func() {
		a := s.vec()
		VMOVUPS(f32(pa, i, 0), a)
		VFMADD231PS(s.loadKey(pb, i, 0, bf16), a, acc[0])
	})
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	storeResult(s.hsum(acc[0]))
	finish()
}

// genDots4 emits dots4(dst, q, k): dst[h] = Σ_d q[h·D+d]·k[d] for the
// four rows h < 4 of q, D = len(k), k float32 or bfloat16. Each k vector
// is loaded (and widened) once for the four rows; two accumulators per
// row keep eight FMA chains in flight.
func genDots4(s isa, bf16 bool) {
	name, sig := s.name("dots4"), "func(dst, q, k []float32)"
	if bf16 {
		name, sig = s.name("dots4BF16"), "func(dst, q []float32, k []uint16)"
	}
	TEXT(name, NOSPLIT, sig)
	s.doc(name, "sets dst[h] = Σ_d q[h·D+d]·k[d] for h < 4, D = len(k): four rows of q against one row k.", s.lanes)
	const rows, unroll = 4, 2
	pd, pk := base("dst"), base("k")
	var pq [rows]Register
	pq[0] = base("q")
	stride := Load(Param("k").Len(), GP64())
	SHLQ(U8(2), stride)
	for h := 1; h < rows; h++ {
		pq[h] = GP64()
		LEAQ(Mem{Base: pq[h-1], Index: stride, Scale: 1}, pq[h])
	}
	n := length("k", s.lanes)
	nu := roundDown(n, unroll*s.lanes)
	var acc [rows][unroll]VecVirtual
	for h := range acc {
		for u := range acc[h] {
			acc[h][u] = s.vec()
			s.zero(acc[h][u])
		}
	}
	i := GP64()
	XORQ(i, i)
	loop("dots2", i, nu, unroll*s.lanes, func() {
		var k [unroll]Op
		for u := range k {
			k[u] = s.loadKey(pk, i, u*s.lanes, bf16)
			if !bf16 {
				v := s.vec()
				VMOVUPS(k[u], v)
				k[u] = v
			}
		}
		for h := range acc {
			for u := range k {
				VFMADD231PS(f32(pq[h], i, u*s.lanes), k[u], acc[h][u])
			}
		}
	})
	loop("dots1", i, n, s.lanes, func() {
		var k Op = s.loadKey(pk, i, 0, bf16)
		if !bf16 {
			v := s.vec()
			VMOVUPS(k, v)
			k = v
		}
		for h := range acc {
			VFMADD231PS(f32(pq[h], i, 0), k, acc[h][0])
		}
	})
	var sums [rows]VecVirtual
	for h := range acc {
		VADDPS(acc[h][1], acc[h][0], acc[h][0])
		sums[h] = acc[h][0]
	}
	VMOVUPS(s.hsum4(sums), Mem{Base: pd})
	finish()
}

// hsum4 adds the lanes of each of four vectors and returns an X register
// holding the four sums in order: AVX-512 first halves each vector to 256
// bits; then pairwise horizontal additions of the vectors, and the two
// 128-bit halves added.
func (s isa) hsum4(v [4]VecVirtual) Register {
	var y [4]Register
	for i, x := range v {
		y[i] = x
		if s.wide() {
			hi := YMM()
			VEXTRACTF64X4(U8(1), x, hi)
			y[i] = x.AsY()
			VADDPS(hi, y[i], y[i])
		}
	}
	VHADDPS(y[1], y[0], y[0]) // per 128-bit half: v0 pairs, v1 pairs
	VHADDPS(y[3], y[2], y[2])
	VHADDPS(y[2], y[0], y[0]) // per half: the four partial sums
	hi := XMM()
	VEXTRACTF128(U8(1), y[0], hi)
	lo := y[0].(VecVirtual).AsX()
	VADDPS(hi, lo, lo)
	return lo
}

// genAxpy emits axpy(alpha, x, y): y[i] += alpha·x[i] with one FMA
// (one rounding) per element, x float32 or bfloat16.
func genAxpy(s isa, bf16 bool) {
	name, sig := s.name("axpy"), "func(alpha float32, x, y []float32)"
	if bf16 {
		name, sig = s.name("axpyBF16"), "func(alpha float32, x []uint16, y []float32)"
	}
	TEXT(name, NOSPLIT, sig)
	s.doc(name, "sets y[i] = fma(alpha, x[i], y[i]) for i < len(y).", s.lanes)
	alpha := s.broadcastParam("alpha")
	px, py := base("x"), base("y")
	n := length("y", s.lanes)
	s.elementwise("axpy", n, 4, func(i Register, k int) {
		y := s.vec()
		VMOVUPS(f32(py, i, k), y)
		VFMADD231PS(s.loadKey(px, i, k, bf16), alpha, y)
		VMOVUPS(y, f32(py, i, k))
	})
	finish()
}

// genScale emits scale(alpha, y): y[i] *= alpha.
func genScale(s isa) {
	name := s.name("scale")
	TEXT(name, NOSPLIT, "func(alpha float32, y []float32)")
	Pragma("noescape")
	s.doc(name, "sets y[i] = alpha·y[i] for i < len(y).", s.lanes)
	alpha := s.broadcastParam("alpha")
	py := base("y")
	n := length("y", s.lanes)
	s.elementwise("scale", n, 4, func(i Register, k int) {
		y := s.vec()
		VMULPS(f32(py, i, k), alpha, y)
		VMOVUPS(y, f32(py, i, k))
	})
	finish()
}

// genRotate emits rotate(x, y, c, s): (x, y) ← (x·c − y·s, y·c + x·s)
// with four multiplications, one subtraction and one addition, each
// rounded (no FMA), exactly precision.RotatePair's operations.
func genRotate(s isa) {
	name := s.name("rotate")
	TEXT(name, NOSPLIT, "func(x, y, c, s []float32)")
	s.doc(name, "sets x[i], y[i] = x[i]·c[i] − y[i]·s[i], y[i]·c[i] + x[i]·s[i] for i < len(x), every product and sum rounded (no FMA).", s.lanes)
	px, py, pc, ps := base("x"), base("y"), base("c"), base("s")
	n := length("x", s.lanes)
	s.elementwise("rot", n, 2, func(i Register, k int) {
		x, y := s.vec(), s.vec()
		VMOVUPS(f32(px, i, k), x)
		VMOVUPS(f32(py, i, k), y)
		s.rotateVectors(x, y, f32(pc, i, k), f32(ps, i, k))
		VMOVUPS(x, f32(px, i, k))
		VMOVUPS(y, f32(py, i, k))
	})
	finish()
}
