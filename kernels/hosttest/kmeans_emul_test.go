//go:build cgo

package hosttest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// TestKMeansLaunchesMatchFallback plans KMeansAssign with
// kernels.PlanKMeansAssign, emulates the five kernels from their
// parameter words and compares labels, distances, sums and counts bit for
// bit with the fallback backend: every dtype, with and without
// normalisation, slot ranges and lists with padding, head dimensions that
// are and are not multiples of 8, more centroids than one screen step,
// duplicated centroids (exact ties), near ties, keys too large for the
// float32 screen, non-finite keys and a non-finite centroid, strided
// outputs, and no points at all.
func TestKMeansLaunchesMatchFallback(t *testing.T) {
	be := fallback.New()
	dev := kernels.Device{SMs: 8}
	alloc := func(dt ops.DType, shape ...int) *ops.Tensor {
		x, err := be.Alloc(dt, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	type kcase struct {
		dt        ops.DType
		S, Hk, D  int
		C         int
		list      bool
		normalize bool
		ties      bool
		huge      bool
		nonfinite bool
		strided   bool
		empty     bool
	}
	var cases []kcase
	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		for _, norm := range []bool{false, true} {
			cases = append(cases, kcase{dt: dt, S: 300, Hk: 2, D: 64, C: 150, normalize: norm, list: norm, ties: true})
		}
	}
	cases = append(cases,
		kcase{dt: ops.BF16, S: 90, Hk: 3, D: 20, C: 7, normalize: true, strided: true},
		kcase{dt: ops.F32, S: 70, Hk: 1, D: 128, C: 70, huge: true},
		kcase{dt: ops.F16, S: 60, Hk: 2, D: 24, C: 5, nonfinite: true, normalize: true},
		kcase{dt: ops.F32, S: 60, Hk: 2, D: 24, C: 5, nonfinite: true},
		kcase{dt: ops.BF16, S: 40, Hk: 2, D: 8, C: 3, empty: true, normalize: true},
	)
	for ci, c := range cases {
		t.Run(fmt.Sprintf("%d/%v/D=%d/C=%d", ci, c.dt, c.D, c.C), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(101+ci), 102))
			k := alloc(c.dt, c.S, c.Hk, c.D)
			kb := k.Mem.(*fallback.Host).B
			for e := range c.S * c.Hk * c.D {
				x := float32(r.IntN(9)-4) / 4 // small values: float32 scores tie
				if !c.ties {
					x = float32(r.NormFloat64())
				}
				if c.huge {
					x *= 1e25
				}
				setF(c.dt, kb, e, x)
			}
			cent := make([]float32, c.Hk*c.C*c.D)
			for i := range cent {
				cent[i] = float32(r.IntN(9)-4) / 4
				if !c.ties {
					cent[i] = float32(r.NormFloat64() / 3)
				}
				if c.huge && !c.normalize {
					cent[i] *= 1e25
				}
			}
			if c.ties { // exact duplicates and a near tie
				copy(cent[5*c.D:6*c.D], cent[2*c.D:3*c.D])
				copy(cent[9*c.D:10*c.D], cent[7*c.D:8*c.D])
				cent[9*c.D] = math.Nextafter32(cent[9*c.D], 10)
			}
			if c.nonfinite {
				setF(c.dt, kb, (3*c.Hk+0)*c.D+5, float32(math.NaN()))
				setF(c.dt, kb, (7*c.Hk+1)*c.D, float32(math.Inf(1)))
				if c.normalize {
					cent[(1*c.C+2)*c.D+1] = float32(math.Inf(-1)) // kv head 1 poisoned
				}
			}
			var sel ops.Selection
			N := c.S - 4
			switch {
			case c.empty:
				sel, N = ops.Selection{Start: 5, End: 5}, 0
			case c.list:
				idx := make([]int32, 200)
				for i := range idx {
					idx[i] = int32(r.IntN(c.S))
					if i%17 == 3 {
						idx[i] = -1
					}
				}
				sel, N = ops.Selection{Indices: fallback.WrapI32(idx, len(idx))}, len(idx)
			default:
				sel = ops.Selection{Start: 2, End: c.S - 2}
			}
			outs := func() *ops.KMeansAssignArgs {
				a := &ops.KMeansAssignArgs{K: k, Points: sel, Normalize: c.normalize, Centroids: fallback.WrapF32(cent, c.Hk, c.C, c.D)}
				if c.strided {
					lb := alloc(ops.I32, c.Hk*(N+3))
					a.Labels = lb.Sub(1, []int{c.Hk, N}, N+3)
					db := alloc(ops.F32, c.Hk*(N+5))
					a.Dist = db.Sub(2, []int{c.Hk, N}, N+5)
				} else {
					a.Labels, a.Dist = alloc(ops.I32, c.Hk, N), alloc(ops.F32, c.Hk, N)
				}
				a.Sums, a.Counts = alloc(ops.F32, c.Hk, c.C, c.D), alloc(ops.I32, c.Hk, c.C)
				return a
			}
			got, want := outs(), outs()
			mem := &hostMem{}
			ls, err := kernels.PlanKMeansAssign(got, mem, dev)
			names := runSelect(t, ls, err, mem)
			wantNames := []string{"kmeans_init", "kmeans_prep", "kmeans_screen", "kmeans_resolve", "kmeans_sums"}
			if c.empty {
				wantNames = []string{"kmeans_init", "kmeans_sums"}
			}
			if !slices.Equal(names, wantNames) {
				t.Fatalf("kernels %v, want %v", names, wantNames)
			}
			if err := be.KMeansAssign(want); err != nil {
				t.Fatal(err)
			}
			for _, o := range []struct {
				name      string
				got, want *ops.Tensor
			}{{"labels", got.Labels, want.Labels}, {"dist", got.Dist, want.Dist}, {"sums", got.Sums, want.Sums}, {"counts", got.Counts, want.Counts}} {
				g, w := denseBits(o.got), denseBits(o.want)
				for i := range w {
					if g[i] != w[i] && !(o.name != "labels" && o.name != "counts" && isNaN32(g[i]) && isNaN32(w[i])) {
						t.Fatalf("%s[%d] = %#x, fallback %#x", o.name, i, g[i], w[i])
					}
				}
			}
			labels := denseBits(got.Labels)
			unlabelled := 0
			for _, l := range labels {
				if int32(l) < 0 {
					unlabelled++
				}
			}
			t.Logf("%d points × %d heads: %d unlabelled", N, c.Hk, unlabelled)
		})
	}
}

// denseBits returns the 32-bit elements of t in row-major order.
func denseBits(t *ops.Tensor) []uint32 {
	b := t.Mem.(*fallback.Host).B[t.Offset*4:]
	rs, w := t.RowStride(), t.RowWidth()
	out := make([]uint32, 0, t.Len())
	for r := range t.Rows() {
		for e := range w {
			i := 4 * (r*rs + e)
			out = append(out, uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24)
		}
	}
	return out
}

func isNaN32(u uint32) bool { return u&0x7fffffff > 0x7f800000 }
