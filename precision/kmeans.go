package precision

import (
	"math"
	"math/bits"
)

// The arithmetic of ops.Backend.KMeansAssign, which every backend performs
// operation for operation so that the labels, distances and sums agree bit
// for bit: the clustered point of a key row, the float64 squared distance,
// and the fixed-point cluster sums; and the reference of the whole op.

// KMeansLanes is the number of partial sums KMeansDist and KMeansNorm2
// keep: element j goes to lane j mod KMeansLanes. Eight float64 lanes fill
// one AVX-512 register, and give a scalar loop eight independent chains.
const KMeansLanes = 8

// KMeansDist returns the squared Euclidean distance Σ_j (y_j − c_j)² of
// two float32 rows (len(c) ≥ len(y)), evaluated in float64 in a fixed
// order: lane k (k < KMeansLanes) accumulates e_j = float64(y_j) −
// float64(c_j) for the j ≡ k (mod 8) in increasing order as s_k =
// FMA(e_j, e_j, s_k), and the result is ((s_0+s_1)+(s_2+s_3)) +
// ((s_4+s_5)+(s_6+s_7)), every operation rounded once. The fallback's
// vector kernels and the CUDA kernels (kmeans_math.cuh) perform the same
// operations, so every backend gets the same bits. It never overflows
// for finite inputs.
func KMeansDist(y, c []float32) float64 {
	var s [KMeansLanes]float64
	KMeansLanesAdd(&s, y, c)
	return KMeansLaneTotal(&s)
}

// KMeansNorm2 returns Σ_j x_j² in float64 with KMeansDist's lanes and
// order (it equals KMeansDist against a zero row).
func KMeansNorm2(x []float32) float64 {
	var s [KMeansLanes]float64
	KMeansLanesAdd(&s, x, nil)
	return KMeansLaneTotal(&s)
}

// KMeansLanesAdd adds the terms of KMeansDist(y, c) — of KMeansNorm2(y)
// when c is nil — to the lanes s: element j to lane j mod 8, in
// increasing j. A row split at a multiple of 8 may be added in parts.
func KMeansLanesAdd(s *[KMeansLanes]float64, y, c []float32) {
	if c != nil {
		c = c[:len(y)]
	}
	for j, v := range y {
		e := float64(v)
		if c != nil {
			e -= float64(c[j])
		}
		s[j%KMeansLanes] = math.FMA(e, e, s[j%KMeansLanes])
	}
}

// KMeansLaneTotal combines the lanes as the fixed pairwise tree
// ((s_0+s_1)+(s_2+s_3)) + ((s_4+s_5)+(s_6+s_7)).
func KMeansLaneTotal(s *[KMeansLanes]float64) float64 {
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// KMeansPoint writes the point k-means clusters for the key row x into y
// (len(y) ≥ len(x)) and returns an upper bound of its norm ‖y‖, or ok
// false when an element of x is not finite (exactly when KMeansNorm2(x)
// is not finite: the squares of finite float32 values cannot overflow
// float64). Without normalize, y = x. With normalize, y = KMeansScale(x,
// 1/√KMeansNorm2(x)), the square root and the reciprocal each rounded
// once in float64; a zero row stays zero. Every |y_j| is then at most
// 1 + 2⁻²³, and so is the bound returned (for rows of fewer than 2²⁰
// elements).
func KMeansPoint(y, x []float32, normalize bool) (norm float64, ok bool) {
	return KMeansKernels{KMeansNorm2, KMeansScale}.Point(y, x, normalize)
}

// KMeansKernels are implementations of KMeansNorm2 and KMeansScale (a
// backend's vector kernels) that give their bits.
type KMeansKernels struct {
	Norm2 func(x []float32) float64
	Scale func(y, x []float32, inv float64)
}

// Point is KMeansPoint computed with k's kernels.
func (k KMeansKernels) Point(y, x []float32, normalize bool) (norm float64, ok bool) {
	y = y[:len(x)]
	ss := k.Norm2(x)
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		copy(y, x)
		return 0, false
	}
	if !normalize || ss == 0 {
		copy(y, x)
		return math.Sqrt(ss) * (1 + 0x1p-30), true
	}
	k.Scale(y, x, 1/math.Sqrt(ss))
	return 1 + 0x1p-23, true
}

// KMeansScale sets y_j = float32(float64(x_j)·inv) for j < len(x), the
// product rounded once in float64 and once to float32.
func KMeansScale(y, x []float32, inv float64) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] = float32(float64(v) * inv)
	}
}

// KMeansSumShift returns the fixed-point shift q of KMeansAssign's sums
// for n points whose largest element magnitude is below 2^e, e being the
// binary exponent of maxAbs (maxAbs < 2^e; e = 0 when maxAbs is 0): q =
// min(51, 62 − bits.Len(n)) − e. Each element v then enters the sums as
// the integer KMeansFixed(v, KMeansFixedScale(q)), of magnitude below
// 2⁵¹, and a sum of n of them stays below 2⁶³.
func KMeansSumShift(n int, maxAbs float32) int {
	e := 0
	if maxAbs != 0 {
		_, e = math.Frexp(float64(maxAbs))
	}
	return min(51, 62-bits.Len(uint(n))) - e
}

// KMeansFixedScale returns 2^q, the scale KMeansFixed multiplies by for
// a sum with shift q.
func KMeansFixedScale(q int) float64 { return math.Ldexp(1, q) }

// KMeansFixed returns v·scale rounded to the nearest integer, ties to
// even, with scale = KMeansFixedScale(q): the fixed-point value of one
// element in a sum with shift q (the scaling is exact; only the rounding
// to an integer loses bits).
func KMeansFixed(v float32, scale float64) int64 {
	return int64(math.RoundToEven(float64(v) * scale))
}

// KMeansFixedValue returns the float32 value of the fixed-point sum s with
// shift q: float32(float64(s)·2^−q), the conversion to float64 and the
// one to float32 each rounded to nearest even.
func KMeansFixedValue(s int64, q int) float32 {
	return float32(float64(s) * math.Ldexp(1, -q))
}

// KMeansScreenMargin returns a margin T for screening centroids in
// float32: if a point y with ‖y‖ ≤ yNorm is scored against centroids c
// of one head, all with ‖c‖ ≤ cNorm, as s(c) = n_c − 2·y·c in float32 —
// n_c = ‖c‖² computed in float64 and rounded to float32, the dot product
// of d terms plus the term n_c/2 summed in any order, with or without
// FMA — then every centroid minimising KMeansDist(y, c) scores within T
// of the smallest score. So only centroids scoring at most min s + T need
// their exact distance.
//
// Proof sketch (u = 2⁻²⁴, γ = (d+1)u/(1−(d+1)u)): the computed s(c)
// differs from S(c) = ‖c‖² − 2y·c by at most E = 2γ(‖y‖‖c‖ + 0.51‖c‖²) +
// 1.01u‖c‖² plus a term for subnormal products; KMeansDist(y, c) differs
// from ‖y‖² + S(c) by at most (d+3)2⁻⁵³(‖y‖+‖c‖)². A minimiser c* of the
// exact distance and the centroid c₁ with the smallest score then satisfy
// s(c*) ≤ s(c₁) + 2E + 2(d+3)2⁻⁵³(yNorm+cNorm)², which T exceeds by 1 %.
//
// T is +Inf when yNorm + cNorm > 2⁵⁰: scores could overflow float32, and
// every centroid must be measured exactly.
func KMeansScreenMargin(d int, yNorm, cNorm float64) float64 {
	if !(yNorm+cNorm <= 0x1p50) {
		return math.Inf(1)
	}
	const u = 0x1p-24
	n := float64(d + 1)
	g := n * u / (1 - n*u)
	e := 2*g*(yNorm*cNorm+0.51*cNorm*cNorm) + 1.01*u*cNorm*cNorm + float64(d+2)*0x1p-120
	e64 := float64(d+3) * 0x1p-53 * (yNorm + cNorm) * (yNorm + cNorm)
	return 1.01 * (2*e + 2*e64)
}
