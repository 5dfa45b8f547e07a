package crosscheck

import (
	"errors"
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// Criteria the op checks state in Result.Criterion.
const (
	critExact    = "bit-identical"
	critBound    = "|err| ≤ bound from the float64 reference (max err in units of the bound)"
	critTwoBound = "|test − ref| ≤ the sum of both backends' bounds from the float64 reference (max err in units of that sum)"
)

// same reports whether two output values are the same: equal, or both
// NaN.
func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// exact fills res from an element-by-element comparison that must be
// bit for bit (values of one float dtype widened to float64, or indices):
// MaxErr counts the differing elements.
func (res *Result) exact(got, want []float64) {
	res.Criterion = critExact
	res.Compared += len(got)
	for i := range got {
		if !same(got[i], want[i]) || math.Signbit(got[i]) != math.Signbit(want[i]) && !math.IsNaN(got[i]) {
			res.fail(i, fmt.Sprintf("%v, want %v", got[i], want[i]))
		}
	}
	res.MaxErr = float64(res.Mismatches)
	res.Pass = res.Mismatches == 0
}

// within fills res from a comparison in which element i may differ from
// want[i] by bound[i]; equal values (infinities and NaN included) always
// pass, a NaN against a number never does. MaxErr is the largest
// |err|/bound.
func (res *Result) within(got, want, bound []float64, criterion string) {
	res.Criterion = criterion
	res.Compared += len(got)
	for i := range got {
		if same(got[i], want[i]) {
			continue
		}
		e := math.Abs(got[i] - want[i])
		if !(e <= bound[i]) {
			res.fail(i, fmt.Sprintf("%.9g, want %.9g (|err| %.3g > %.3g)", got[i], want[i], e, bound[i]))
			if !math.IsNaN(e) {
				res.MaxErr = max(res.MaxErr, e/bound[i])
			}
			continue
		}
		if bound[i] > 0 {
			res.MaxErr = max(res.MaxErr, e/bound[i])
		}
	}
	res.Pass = res.Mismatches == 0
}

// fail counts a mismatch at element i, noting the first.
func (res *Result) fail(i int, what string) {
	if res.Mismatches == 0 {
		res.Notes = fmt.Sprintf("element %d: %s", i, what)
	}
	res.Mismatches++
}

// sumBounds returns, per element, bound(a[i]) + bound(b[i]): the
// allowed difference of two backends that are each within their bound of
// the float64 reference.
func sumBounds(a, b []float64, bound func(i int, x float64) float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = bound(i, a[i]) + bound(i, b[i])
	}
	return out
}

// boundFunc returns the bound of output element i when the backend gave
// got.
type boundFunc func(i int, got float64) float64

// compare runs one case on c.Test and, when present, c.Ref, and returns
// its Results: against the float64 reference truth and against the
// reference backend. With a bound, each element must be within it of the
// truth, and within the sum of both backends' bounds of the reference
// backend; a nil bound (an op the contract makes exact) asks for bit
// for bit in both. An ErrUnsupported from c.Test becomes a failed Result
// that notes it; any other error is returned.
func (c *Ctx) compare(op, name string, run func(ops.Backend) ([]float64, error), truth func() ([]float64, boundFunc)) ([]Result, error) {
	res := Result{Op: op, Case: name, Backend: c.Test.Name(), Reference: "fp64"}
	got, err := run(c.Test)
	if errors.Is(err, ops.ErrUnsupported) {
		res.Criterion, res.Notes = "runs", err.Error()
		return []Result{res}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", name, c.Test.Name(), err)
	}
	want, bound := truth()
	if bound == nil {
		res.exact(got, want)
	} else {
		bs := make([]float64, len(got))
		for i := range bs {
			bs[i] = bound(i, got[i])
		}
		res.within(got, want, bs, critBound)
	}
	out := []Result{res}
	if c.Ref == nil {
		return out, nil
	}
	ref, err := run(c.Ref)
	if err != nil {
		return out, fmt.Errorf("%s on %s: %w", name, c.Ref.Name(), err)
	}
	rr := Result{Op: op, Case: name, Backend: c.Test.Name(), Reference: c.Ref.Name()}
	if bound == nil {
		rr.exact(got, ref)
	} else {
		rr.within(got, ref, sumBounds(got, ref, bound), critTwoBound)
	}
	return append(out, rr), nil
}

// exactTruth adapts the reference of an exact op to compare.
func exactTruth(truth func() []float64) func() ([]float64, boundFunc) {
	return func() ([]float64, boundFunc) { return truth(), nil }
}

// download64 reads a float tensor widened to float64.
func download64(b ops.Backend, t *ops.Tensor) ([]float64, error) {
	x, err := bench.Download(b, t)
	if err != nil {
		return nil, err
	}
	return widen(x), nil
}

// widen returns x as float64 (nil for nil).
func widen(x []float32) []float64 {
	if x == nil {
		return nil
	}
	out := make([]float64, len(x))
	precision.Float64SliceFromFloat32(out, x)
	return out
}
