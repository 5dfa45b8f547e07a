package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// MetricInfo describes one audit metric.
type MetricInfo struct {
	Name string `json:"name"` // identifier used by tables, CSV and --fail-above
	Unit string `json:"unit"` // unit of the values
	Doc  string `json:"doc"`  // one-line definition
}

// The audit's metrics, all reported per log2 position bucket as the
// maximum (or, for fractions and means, the aggregate) over the bucket's
// samples. "exact" is the float64 reference with Rotary.InvFreq, "f32
// ref" the float64 reference with the float32 frequencies Hugging Face
// builds (Rotary.F32()).
const (
	MetricAngle       = "angle"
	MetricAngleF32    = "angle_f32"
	MetricTable       = "table"
	MetricMismatch    = "mismatch"
	MetricMismatchF32 = "mismatch_f32"
	MetricNormwise    = "normwise"
	MetricNormwiseF32 = "normwise_f32"
	MetricDrift       = "drift"
	MetricDev         = "dev"
	MetricDevSelf     = "dev_self"
	MetricAttnDiff    = "attn_diff"
	MetricSinkShare   = "sink_share"
)

// auditMetrics is the order of Report.Metrics.
var auditMetrics = []MetricInfo{
	{MetricAngle, "rad", "max angle error of the pipeline's (cos, sin) against exact: |atan2| of the residual rotation"},
	{MetricAngleF32, "rad", "max angle error against the f32 ref (isolates position-dependent rounding)"},
	{MetricTable, "abs", "max |cos − cos_exact|, |sin − sin_exact| of the tables the pipeline multiplies by"},
	{MetricMismatch, "fraction", "rotated outputs that differ from the correctly rounded exact rotation"},
	{MetricMismatchF32, "fraction", "rotated outputs that differ from the correctly rounded f32-ref rotation"},
	{MetricNormwise, "rms·u", "max |y − y_exact| / (attn·rms(x)·u), u = 2^-8 bf16, 2^-11 f16, 2^-24 f32"},
	{MetricNormwiseF32, "rms·u", "as normwise, against the f32 ref"},
	{MetricDrift, "rel", "max | ‖y‖ / (attn·‖x‖) − 1 | over the rotated dims"},
	{MetricDev, "rel", "invariance: max |s(m, m+Δ) − s_exact(0, Δ)| / (attn²‖q‖‖k‖), s = RoPE(k)·RoPE(q)"},
	{MetricDevSelf, "rel", "self-consistency: max |s(m, m+Δ) − s(0, Δ)| / (attn²‖q‖‖k‖), same pipeline"},
	{MetricAttnDiff, "abs", "Eq. 4 analogue D(m, 16) of a short causal sequence with a sink key at offset m"},
	{MetricSinkShare, "fraction", "share of attn_diff coming from key column 0 (the sink)"},
}

// Metrics returns the definitions of the audit's metrics, in report order.
func Metrics() []MetricInfo { return append([]MetricInfo(nil), auditMetrics...) }

// metricIndex returns the position of a metric in auditMetrics.
func metricIndex(name string) int {
	for i, m := range auditMetrics {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// MismatchLimit and NormwiseLimit define a flagged bucket; see Flagged.
const (
	// MismatchLimit is the largest fraction of 16-bit outputs that may
	// differ from the correctly rounded truth: the acceptance of an
	// accurate kernel (< 1e-3 at every position ≤ 2^20).
	MismatchLimit = 1e-3
	// NormwiseLimit is the largest normwise error of f32 outputs, in
	// units of attn·rms(x)·2^-24: far above the few units a float32
	// rotation costs, far below what a float32 angle costs beyond a few
	// dozen positions.
	NormwiseLimit = 32
)

// Flagged reports whether a bucket's results are flagged. 16-bit outputs
// (bf16, f16) are flagged when the mismatch fraction exceeds
// MismatchLimit by more than two standard deviations of a count of
// outputs mismatches (2·√(count)/outputs), so that a few near-tie
// outputs in a small sample do not flag a correct pipeline; f32 outputs,
// which float32 arithmetic cannot round correctly, are flagged when the
// normwise error exceeds NormwiseLimit. A NaN metric does not flag.
func Flagged(dt ops.DType, mismatch, normwise float64, outputs int) bool {
	if dt == ops.F32 {
		return normwise > NormwiseLimit
	}
	if outputs <= 0 || !(mismatch > MismatchLimit) {
		return false
	}
	count := mismatch * float64(outputs)
	return (count-2*math.Sqrt(count))/float64(outputs) > MismatchLimit
}

// unitRoundoff returns u for dt: 2^-8 (bf16), 2^-11 (f16), 2^-24 (f32).
func unitRoundoff(dt ops.DType) float64 {
	switch dt {
	case ops.BF16:
		return math.Ldexp(1, -8)
	case ops.F16:
		return math.Ldexp(1, -11)
	}
	return math.Ldexp(1, -24)
}
