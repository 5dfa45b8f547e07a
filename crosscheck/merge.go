package crosscheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func init() { Register("merge", checkMerge) }

// checkMerge merges two random partial results (O1, LSE1) and (O2, LSE2)
// of 16 query tokens and 8 heads, head dimension 128, in each float
// dtype: LSEs N(0, 9), with a row whose first side is empty (LSE -Inf),
// one whose second side is, and one with both empty. It compares O and
// LSE with precision.RefMerge of the same inputs (MergeOBound,
// MergeLSEBound) and, with a reference backend, with its result (within
// the sum of both bounds).
func checkMerge(c *Ctx) ([]Result, error) {
	const Tq, Hq, Dv = 16, 8, 128
	rng := rand.New(rand.NewPCG(c.Seed, 0x6d65726765))
	var out []Result
	for _, dt := range []ops.DType{ops.BF16, ops.F16, ops.F32} {
		o1 := randomRounded(rng, dt, Tq*Hq*Dv)
		o2 := randomRounded(rng, dt, Tq*Hq*Dv)
		l1, l2 := make([]float32, Tq*Hq), make([]float32, Tq*Hq)
		for i := range l1 {
			l1[i], l2[i] = float32(3*rng.NormFloat64()), float32(3*rng.NormFloat64())
		}
		l1[1] = float32(math.Inf(-1))
		l2[2] = float32(math.Inf(-1))
		l1[3], l2[3] = float32(math.Inf(-1)), float32(math.Inf(-1))
		run := func(b ops.Backend) ([]float64, error) {
			ts := &tensors{b: b}
			defer ts.free()
			var a ops.MergeArgs
			var err error
			for _, x := range []struct {
				dst *(*ops.Tensor)
				dt  ops.DType
				v   []float32
				sh  []int
			}{{&a.O1, dt, o1, []int{Tq, Hq, Dv}}, {&a.O2, dt, o2, []int{Tq, Hq, Dv}},
				{&a.LSE1, ops.F32, l1, []int{Tq, Hq}}, {&a.LSE2, ops.F32, l2, []int{Tq, Hq}}} {
				if *x.dst, err = ts.floats(x.dt, x.v, x.sh...); err != nil {
					return nil, err
				}
			}
			if a.O, err = ts.alloc(dt, Tq, Hq, Dv); err != nil {
				return nil, err
			}
			if a.LSE, err = ts.alloc(ops.F32, Tq, Hq); err != nil {
				return nil, err
			}
			if err := b.Merge(&a); err != nil {
				return nil, err
			}
			if err := b.Sync(); err != nil {
				return nil, err
			}
			o, err := download64(b, a.O)
			if err != nil {
				return nil, err
			}
			lse, err := download64(b, a.LSE)
			return append(o, lse...), err
		}
		truth := func() ([]float64, boundFunc) {
			w1, w2 := widen(o1), widen(o2)
			ro, rl := precision.RefMerge(w1, widen(l1), w2, widen(l2), Dv)
			n := len(ro)
			return append(ro, rl...), func(i int, got float64) float64 {
				if i < n {
					return precision.MergeOBound(dt, w1[i], w2[i], got, ro[i])
				}
				return precision.MergeLSEBound(rl[i-n])
			}
		}
		rs, err := c.compare("merge", fmt.Sprintf("%s Tq=%d H=%d Dv=%d, empty sides", dt, Tq, Hq, Dv), run, truth)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
