package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// Float is the element constraint of the error metrics: results under
// test are usually float32 and truth float64, but any pairing works.
type Float interface{ ~float32 | ~float64 }

// Conventions shared by the metrics: all arithmetic is float64; an
// element pair that is equal (including equal infinities) or both NaN
// contributes no error; a NaN on one side only makes the metric NaN, and
// differing infinities make it +Inf, so neither can pass a threshold.
// Slices of different lengths give NaN.

// elemDiff returns |g − w| under the conventions above.
func elemDiff(g, w float64) float64 {
	if g == w || (g != g && w != w) {
		return 0
	}
	return math.Abs(g - w)
}

// MaxAbs returns the largest absolute error max_i |got[i] − want[i]|
// (0 for empty slices).
func MaxAbs[G, W Float](got []G, want []W) float64 {
	if len(got) != len(want) {
		return math.NaN()
	}
	m := 0.0
	for i, g := range got {
		d := elemDiff(float64(g), float64(want[i]))
		if d != d {
			return d
		}
		m = max(m, d)
	}
	return m
}

// MaxRel returns the largest relative error
// max_i |got[i] − want[i]| / max(|want[i]|, floor). A floor of 0 gives
// the plain relative error, which is +Inf wherever want[i] is 0 and
// got[i] is not; a positive floor (for instance 2^-4 times the rms of
// want) keeps elements near cancellation from dominating.
func MaxRel[G, W Float](got []G, want []W, floor float64) float64 {
	if len(got) != len(want) || floor != floor || floor < 0 {
		return math.NaN()
	}
	m := 0.0
	for i, g := range got {
		w := float64(want[i])
		d := elemDiff(float64(g), w)
		if d != d {
			return d
		}
		if d == 0 {
			continue
		}
		den := max(math.Abs(w), floor)
		if den == 0 {
			return math.Inf(1)
		}
		m = max(m, d/den)
	}
	return m
}

// NormRel returns the normwise relative error ‖got − want‖₂ / ‖want‖₂:
// 0 when the difference is zero, +Inf when only want is zero or the
// difference is infinite, 0 when only want has an infinite (matched)
// element.
func NormRel[G, W Float](got []G, want []W) float64 {
	if len(got) != len(want) {
		return math.NaN()
	}
	dmax, wmax := 0.0, 0.0
	for i, g := range got {
		d := elemDiff(float64(g), float64(want[i]))
		if d != d {
			return d
		}
		dmax = max(dmax, d)
		wmax = max(wmax, math.Abs(float64(want[i])))
	}
	if dmax == 0 {
		return 0
	}
	if math.IsInf(dmax, 0) {
		return dmax
	}
	if math.IsInf(wmax, 0) {
		return 0
	}
	if wmax == 0 {
		return math.Inf(1)
	}
	var dn, wn float64 // scaled sums of squares: no overflow or underflow
	for i, g := range got {
		d := elemDiff(float64(g), float64(want[i])) / dmax
		w := float64(want[i]) / wmax
		dn += d * d
		wn += w * w
	}
	return (dmax * math.Sqrt(dn)) / (wmax * math.Sqrt(wn))
}

// RMS returns the root mean square sqrt(Σ x[i]² / n) (0 for an empty
// slice; NaN if any element is NaN).
func RMS[F Float](x []F) float64 {
	if len(x) == 0 {
		return 0
	}
	m := 0.0
	for _, v := range x {
		a := math.Abs(float64(v))
		if a != a {
			return a
		}
		m = max(m, a)
	}
	if m == 0 || math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, v := range x {
		a := float64(v) / m
		s += a * a
	}
	return m * math.Sqrt(s/float64(len(x)))
}

// CountMismatches counts the elements where got[i] differs from the
// correctly rounded truth RoundFromFloat64(dt, truth[i]) and returns the
// first such index (−1 when there is none). Values compare with ==, so
// +0 and −0 match, and two NaNs match. got must already hold dtype dt
// values (a float32 that is not representable in dt always mismatches).
// Elements beyond the shorter slice count as mismatches.
func CountMismatches(got []float32, truth []float64, dt ops.DType) (count, first int) {
	n := min(len(got), len(truth))
	first = -1
	for i := range n {
		g, w := got[i], RoundFromFloat64(dt, truth[i])
		if g == w || (g != g && w != w) {
			continue
		}
		if first < 0 {
			first = i
		}
		count++
	}
	if extra := max(len(got), len(truth)) - n; extra > 0 {
		if first < 0 {
			first = n
		}
		count += extra
	}
	return count, first
}

// MismatchFraction returns CountMismatches(got, truth, dt) divided by the
// number of elements: the fraction of outputs that are not the correctly
// rounded truth in dtype dt. It is 0 for empty slices and NaN when the
// lengths differ or dt is not a float dtype.
func MismatchFraction(got []float32, truth []float64, dt ops.DType) float64 {
	if len(got) != len(truth) || !dt.IsFloat() {
		return math.NaN()
	}
	if len(got) == 0 {
		return 0
	}
	c, _ := CountMismatches(got, truth, dt)
	return float64(c) / float64(len(got))
}
