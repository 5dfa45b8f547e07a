package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// The error bounds below say how far a backend's float32 evaluation of an
// op may stand from the float64 reference. Each states the arithmetic it
// assumes; the conformance suite (ops/opstest) and the cross-backend
// checks (crosscheck) both judge backends by them.

// U32 is the unit roundoff of float32, 2^-24.
const U32 = 0x1p-24

// Spacing returns the distance between consecutive values of the float
// dtype dt (one ulp) at magnitude |x|, subnormal spacing included (a zero
// x gives the smallest subnormal's).
func Spacing(dt ops.DType, x float64) float64 {
	x = math.Abs(x)
	e := -1 << 20
	if x != 0 {
		_, fe := math.Frexp(x)
		e = fe - 1
	}
	switch dt {
	case ops.BF16:
		return math.Ldexp(1, max(e, -126)-7)
	case ops.F16:
		return math.Ldexp(1, max(e, -14)-10)
	}
	return math.Ldexp(1, max(e, -126)-23)
}

// Gamma32 returns γ_n = n·u/(1−n·u) for float32's u: the relative error
// bound of n successive float32 roundings (Higham, Accuracy and Stability
// of Numerical Algorithms, §3.1).
func Gamma32(n int) float64 { return float64(n) * U32 / (1 - float64(n)*U32) }

// DotBound bounds the error of scale·Σ_d a_d·b_d evaluated in float32
// over n terms in any order, followed by one rounded product by scale:
// |scale|·abs·γ_n + u·|want|, where abs = Σ_d |a_d·b_d| and want the
// exact result. It serves the selection scores and Quest's page scores.
func DotBound(scale, abs float64, n int, want float64) float64 {
	return math.Abs(scale)*abs*Gamma32(n) + U32*math.Abs(want)
}

// AttentionTol is the relative accumulation tolerance of attention:
// float32 evaluation with an online softmax over up to a few thousand
// keys errs by O((D + √n + blocks)·u) relative to the magnitude Σ p·|v|
// of an output (RefAttentionResult.Mag), well below 10^-5.
const AttentionTol = 1e-5

// AttentionOBound is the bound of one attention output element: mag is
// the largest Σ p·|v| of its row, got and want the backend's value and
// the float64 reference. A 16-bit output may also differ by one ulp of
// its dtype at max(|got|, |want|), its single rounding. Below float32's
// smallest normal number a rounding errs by up to 2^-150 = u·2^-126
// whatever the value, so mag counts as at least 2^-126 (outputs of
// subnormal magnitude, from values of that size, differ by a few
// subnormal ulps from the truth).
func AttentionOBound(dt ops.DType, mag, got, want float64) float64 {
	b := AttentionTol * max(mag, minNormal32)
	if dt != ops.F32 {
		b += Spacing(dt, max(math.Abs(got), math.Abs(want)))
	}
	return b
}

// AttentionLSEBound is the bound of a log-sum-exp output: 10^-5 of
// max(1, |lse|).
func AttentionLSEBound(lse float64) float64 { return AttentionTol * max(1, math.Abs(lse)) }

// MergeOBound bounds an element of Merge against RefMerge of the same
// inputs o1 and o2: the weights e^(LSE_i−m) and their sum each cost a
// few float32 roundings, 4u of max(|o1|, |o2|) in all (and of the result
// for float32 outputs; at least 4u·2^-126, the error of roundings below
// float32's smallest normal number), and a 16-bit output one ulp at
// max(|got|, |want|).
func MergeOBound(dt ops.DType, o1, o2, got, want float64) float64 {
	if dt == ops.F32 {
		return 4 * U32 * max(math.Abs(o1), math.Abs(o2), math.Abs(want), minNormal32)
	}
	return 4*U32*max(math.Abs(o1), math.Abs(o2), minNormal32) + Spacing(dt, max(math.Abs(got), math.Abs(want)))
}

// minNormal32 is float32's smallest normal number, 2^-126: below it a
// rounding's error is at most u·2^-126, not u times the value.
const minNormal32 = 0x1p-126

// MergeLSEBound bounds a merged log-sum-exp: 4u of max(1, |lse|).
func MergeLSEBound(lse float64) float64 { return 4 * U32 * max(1, math.Abs(lse)) }
