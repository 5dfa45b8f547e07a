//go:build cgo

package hosttest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

const eps32 = 0x1p-24

// attnTruth is one attention row in float64: logits x_i = scale·dot_i
// (soft-capped), LSE = log(Σ e^x_i + e^sink) over unmasked keys, O = Σ
// e^(x_i − LSE)·v_i. It also returns max|x_i| and Σ w_i·|v_i| per column
// for the error bounds.
func attnTruth(dots, vals []float32, masked []int32, dv int, scale, softcap, sink float32) (out []float64, lse, maxX float64, mass []float64) {
	n := len(dots)
	x := make([]float64, n)
	m := math.Inf(-1)
	for i := range n {
		if masked[i] != 0 {
			x[i] = math.Inf(-1)
			continue
		}
		v := float64(dots[i]) * float64(scale)
		if softcap > 0 {
			v = float64(softcap) * math.Tanh(v/float64(softcap))
		}
		x[i] = v
		m = max(m, v)
		maxX = max(maxX, math.Abs(v))
	}
	if !math.IsInf(float64(sink), -1) {
		m = max(m, float64(sink))
		maxX = max(maxX, math.Abs(float64(sink)))
	}
	out, mass = make([]float64, dv), make([]float64, dv)
	if math.IsInf(m, -1) {
		return out, math.Inf(-1), maxX, mass
	}
	var l float64
	for _, v := range x {
		l += math.Exp(v - m)
	}
	if !math.IsInf(float64(sink), -1) {
		l += math.Exp(float64(sink) - m)
	}
	lse = m + math.Log(l)
	for i, v := range x {
		w := math.Exp(v - lse)
		for d := range dv {
			out[d] += w * float64(vals[i*dv+d])
			mass[d] += w * math.Abs(float64(vals[i*dv+d]))
		}
	}
	return out, lse, maxX, mass
}

func TestAttnRowAgainstFP64(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	const dv = 24
	ninf := float32(math.Inf(-1))
	for _, n := range []int{0, 1, 2, 7, 64, 333, 2000} {
		for _, softcap := range []float32{0, 20} {
			for _, sink := range []float32{ninf, 0.75} {
				for _, pm := range []float64{0, 0.3, 1} {
					dots := make([]float32, n)
					vals := make([]float32, n*dv)
					masked := make([]int32, n)
					for i := range dots {
						dots[i] = float32(r.NormFloat64() * 12)
						if r.Float64() < pm {
							masked[i] = 1
						}
					}
					for i := range vals {
						vals[i] = float32(r.NormFloat64())
					}
					scale := float32(1 / math.Sqrt(64))
					want, wl, maxX, mass := attnTruth(dots, vals, masked, dv, scale, softcap, sink)
					for _, parts := range []int{1, 4, 16} {
						for _, step := range []int{1, 2} {
							name := fmt.Sprintf("n=%d cap=%v sink=%v masked=%v parts=%d step=%d", n, softcap, sink, pm, parts, step)
							got, gl := AttnRow(dots, vals, masked, dv, scale, softcap, sink, parts, step)
							// Each logit carries a few roundings (scale, tanh, log2 e, exp2), each
							// weight's relative error is about (1+|x|) of them, and the sums add
							// one rounding per term.
							c := (16*(1+maxX) + 2*float64(n) + 16) * eps32
							if math.IsInf(wl, -1) {
								if !math.IsInf(float64(gl), -1) {
									t.Fatalf("%s: lse = %v, want -Inf", name, gl)
								}
							} else if math.Abs(float64(gl)-wl) > c*(1+math.Abs(wl)) {
								t.Fatalf("%s: lse = %v, want %v (tolerance %g)", name, gl, wl, c*(1+math.Abs(wl)))
							}
							for d := range dv {
								if g := float64(got[d]); math.IsNaN(g) || math.Abs(g-want[d]) > c*mass[d]+1e-30 {
									t.Fatalf("%s: out[%d] = %v, want %v (tolerance %g)", name, d, got[d], want[d], c*mass[d])
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestLSEMergeHalves splits a row's keys in two, computes each half, merges
// them with lse_merge and compares with the whole row.
func TestLSEMergeHalves(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	const dv = 16
	ninf := float32(math.Inf(-1))
	for trial := range 200 {
		n := 1 + r.IntN(300)
		cut := r.IntN(n + 1)
		dots := make([]float32, n)
		vals := make([]float32, n*dv)
		masked := make([]int32, n)
		for i := range dots {
			dots[i] = float32(r.NormFloat64() * 8)
			if trial%5 == 0 && i < cut {
				masked[i] = 1 // an empty first half
			}
		}
		for i := range vals {
			vals[i] = float32(r.NormFloat64())
		}
		o1, l1 := AttnRow(dots[:cut], vals[:cut*dv], masked[:cut], dv, 1, 0, ninf, 1, 1)
		o2, l2 := AttnRow(dots[cut:], vals[cut*dv:], masked[cut:], dv, 1, 0, ninf, 1, 1)
		lse, w1, w2 := LSEMerge(l1, l2)
		want, wl, maxX, mass := attnTruth(dots, vals, masked, dv, 1, 0, ninf)
		c := (16*(1+maxX) + 2*float64(n) + 32) * eps32
		if math.IsInf(wl, -1) != math.IsInf(float64(lse), -1) || (!math.IsInf(wl, -1) && math.Abs(float64(lse)-wl) > c*(1+math.Abs(wl))) {
			t.Fatalf("trial %d: merged lse = %v, want %v", trial, lse, wl)
		}
		for d := range dv {
			var g float32
			if w1 != 0 {
				g = w1 * o1[d]
			}
			if w2 != 0 {
				g += w2 * o2[d]
			}
			if math.Abs(float64(g)-want[d]) > c*mass[d]+1e-30 {
				t.Fatalf("trial %d: merged out[%d] = %v, want %v", trial, d, g, want[d])
			}
		}
	}
	if l, w1, w2 := LSEMerge(ninf, ninf); !math.IsInf(float64(l), -1) || w1 != 0 || w2 != 0 {
		t.Fatalf("merge of two empty sets = %v, %v, %v; want -Inf, 0, 0", l, w1, w2)
	}
	if l, w1, w2 := LSEMerge(1.5, ninf); l != 1.5 || w1 != 1 || w2 != 0 {
		t.Fatalf("merge with an empty set = %v, %v, %v; want 1.5, 1, 0", l, w1, w2)
	}
}

// TestAttnRowNaN checks the NaN rule of softmax.cuh on one row, split into
// parts and folded key by key or in steps: a NaN logit of an unmasked key
// — first, in the middle or last, alone or among others — makes every
// output and the LSE NaN; a NaN in the value of an unmasked key makes that
// output column NaN and leaves the LSE as without it, even when the key's
// weight is 0; a NaN logit or value of a masked key changes nothing; and
// a row whose keys are all masked stays 0 with LSE −Inf. lse_merge
// propagates a NaN LSE of either side.
func TestAttnRowNaN(t *testing.T) {
	const dv = 4
	nan, ninf := float32(math.NaN()), float32(math.Inf(-1))
	for _, n := range []int{1, 3, 40} {
		for _, at := range []int{0, n / 2, n - 1} {
			for _, sink := range []float32{ninf, 0.5} {
				for _, parts := range []int{1, 4} {
					for _, step := range []int{1, 2} {
						name := fmt.Sprintf("n=%d at=%d sink=%v parts=%d step=%d", n, at, sink, parts, step)
						dots := make([]float32, n)
						vals := make([]float32, n*dv)
						masked := make([]int32, n)
						for i := range dots {
							dots[i] = float32(i%5) - 2
						}
						for i := range vals {
							vals[i] = float32(i%3) - 1
						}
						dots[at] = nan // a NaN logit
						o, l := AttnRow(dots, vals, masked, dv, 1, 0, sink, parts, step)
						if l == l || o[0] == o[0] || o[dv-1] == o[dv-1] {
							t.Fatalf("%s: NaN logit gives lse %v, o %v; want NaN", name, l, o)
						}
						masked[at] = 1 // the same key masked: ignored
						_, l = AttnRow(dots, vals, masked, dv, 1, 0, sink, parts, step)
						if n == 1 && sink == ninf {
							if !math.IsInf(float64(l), -1) {
								t.Fatalf("%s: all keys masked: lse %v, want -Inf", name, l)
							}
						} else if l != l {
							t.Fatalf("%s: a masked NaN logit made the lse NaN", name)
						}
						masked[at], dots[at] = 0, -200 // a weight that rounds to 0
						vals[at*dv+1] = nan
						o, l = AttnRow(dots, vals, masked, dv, 1, 0, sink, parts, step)
						if o[1] == o[1] || o[0] != o[0] || l != l {
							t.Fatalf("%s: NaN value of a weight-0 key gives o %v, lse %v; want o[1] NaN only", name, o, l)
						}
						masked[at] = 1 // masked: its value is not read
						o, _ = AttnRow(dots, vals, masked, dv, 1, 0, sink, parts, step)
						if o[1] != o[1] {
							t.Fatalf("%s: the NaN value of a masked key reached the output", name)
						}
					}
				}
			}
		}
	}
	for _, c := range [][2]float32{{nan, 1}, {1, nan}, {nan, ninf}, {ninf, nan}, {nan, nan}} {
		if l, w1, w2 := LSEMerge(c[0], c[1]); l == l || (w1 == w1 && w2 == w2) {
			t.Errorf("LSEMerge(%v, %v) = %v, %v, %v; want a NaN LSE and weight", c[0], c[1], l, w1, w2)
		}
	}
}
