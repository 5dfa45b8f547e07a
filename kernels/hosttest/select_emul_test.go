//go:build cgo

package hosttest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// runSelect plans with plan, emulates the launches and returns their
// kernel names.
func runSelect(t *testing.T, ls []kernels.Launch, err error, mem *hostMem) []string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range ls {
		if !SelectLaunch(l.Kernel, int(l.Options.DType), l.Options.HeadDim, l.Words(), l.Grid, mem) {
			t.Fatalf("no emulation of %s", l.Kernel)
		}
		names = append(names, l.Kernel)
	}
	return names
}

func f32of(t *ops.Tensor) []float32 {
	b := t.Mem.(*fallback.Host).B
	out := make([]float32, t.Len())
	for i := range out {
		out[i] = getF(ops.F32, b, i)
	}
	return out
}

func i32of(t *ops.Tensor) []int32 {
	b := t.Mem.(*fallback.Host).B
	out := make([]int32, t.Len())
	for i := range out {
		out[i] = int32(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return out
}

func closeF32(t *testing.T, what string, got, want []float32, tol func(i int) float64) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(w) != math.IsNaN(g) || (math.IsInf(w, 0) && g != w) || (!math.IsInf(w, 0) && !math.IsNaN(w) && math.Abs(g-w) > tol(i)) {
			t.Fatalf("%s[%d] = %v, fallback %v (tolerance %g)", what, i, got[i], want[i], tol(i))
		}
	}
}

func TestSelectionLaunchesMatchFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	be := fallback.New()
	dev := kernels.Device{SMs: 8}
	alloc := func(dt ops.DType, shape ...int) *ops.Tensor {
		x, err := be.Alloc(dt, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		const S, Hk, D, Hq = 700, 2, 64, 12
		q, k := alloc(dt, Hq, D), alloc(dt, S, Hk, D)
		fillRandom(r, dt, q.Mem.(*fallback.Host).B)
		fillRandom(r, dt, k.Mem.(*fallback.Host).B)
		qabs := 0.0
		for i := range Hq * D {
			qabs = max(qabs, math.Abs(float64(getF(dt, q.Mem.(*fallback.Host).B, i))))
		}
		tolDot := func(int) float64 { return float64(2*D+16) * eps32 * qabs * 8 * D }

		// Scores over a list with padding and over a range.
		idx := make([]int32, 300)
		for i := range idx {
			idx[i] = int32(r.IntN(S))
			if i%9 == 0 {
				idx[i] = -1
			}
		}
		for _, sel := range []ops.Selection{{Indices: fallback.WrapI32(idx, len(idx))}, {Start: 33, End: 690}} {
			N := ops.CandidateCount(&sel, S)
			got, want := alloc(ops.F32, Hq, N), alloc(ops.F32, Hq, N)
			mem := &hostMem{}
			ls, err := kernels.PlanScores(&ops.ScoresArgs{Q: q, K: k, Candidates: sel, Out: got}, mem, dev)
			if n := runSelect(t, ls, err, mem); !slices.Equal(n, []string{"qk_scores_g8"}) {
				t.Fatalf("scores kernels %v", n)
			}
			if err := be.Scores(&ops.ScoresArgs{Q: q, K: k, Candidates: sel, Out: want}); err != nil {
				t.Fatal(err)
			}
			closeF32(t, "scores "+dt.String(), f32of(got), f32of(want), tolDot)
		}

		// Soft vote over scores with -Inf, NaN and +Inf.
		const N = 5000
		sc := make([]float32, Hq*N)
		for i := range sc {
			sc[i] = float32(r.NormFloat64() * 3)
			if i%97 == 0 {
				sc[i] = float32(math.Inf(-1))
			}
			if i%131 == 0 {
				sc[i] = float32(math.NaN())
			}
		}
		sc[3*N+17] = float32(math.Inf(1))
		scores := fallback.WrapF32(sc, Hq, N)
		got, want := alloc(ops.F32, N), alloc(ops.F32, N)
		mem := &hostMem{}
		ls, err := kernels.PlanCriticality(&ops.CriticalityArgs{Scores: scores, Out: got}, mem, dev)
		if n := runSelect(t, ls, err, mem); !slices.Equal(n, []string{"crit_stats", "crit_vote"}) {
			t.Fatalf("criticality kernels %v", n)
		}
		if err := be.Criticality(&ops.CriticalityArgs{Scores: scores, Out: want}); err != nil {
			t.Fatal(err)
		}
		closeF32(t, "criticality", f32of(got), f32of(want), func(int) float64 { return float64(4*N+64) * eps32 * Hq })

		// Top-k with a map.
		mp := make([]int32, N)
		for i := range mp {
			mp[i] = int32(10 * i)
		}
		for _, K := range []int{1, 64, 4999, 5003} {
			gotK, wantK := alloc(ops.I32, Hq, K), alloc(ops.I32, Hq, K)
			mem := &hostMem{}
			a := &ops.TopKArgs{Scores: scores, K: K, Out: gotK, Map: fallback.WrapI32(mp, N)}
			ls, err := kernels.PlanTopK(a, mem, dev)
			runSelect(t, ls, err, mem)
			if err := be.TopK(&ops.TopKArgs{Scores: scores, K: K, Out: wantK, Map: fallback.WrapI32(mp, N)}); err != nil {
				t.Fatal(err)
			}
			if g, w := i32of(gotK), i32of(wantK); !slices.Equal(g, w) {
				t.Fatalf("topk K=%d differs from the fallback", K)
			}
		}

		// Quest: page metadata for slots [20, 613), then page scores.
		const P = 16
		pages := ops.PageCount(S, P)
		mnG, mxG := alloc(ops.F32, pages, Hk, D), alloc(ops.F32, pages, Hk, D)
		mnW, mxW := alloc(ops.F32, pages, Hk, D), alloc(ops.F32, pages, Hk, D)
		mem = &hostMem{}
		ls, err = kernels.PlanPageMeta(&ops.PageMetaArgs{K: k, PageSize: P, From: 20, To: 613, Min: mnG, Max: mxG}, mem, dev)
		runSelect(t, ls, err, mem)
		if err := be.PageMeta(&ops.PageMetaArgs{K: k, PageSize: P, From: 20, To: 613, Min: mnW, Max: mxW}); err != nil {
			t.Fatal(err)
		}
		exact := func(int) float64 { return 0 }
		closeF32(t, "page min", f32of(mnG), f32of(mnW), exact)
		closeF32(t, "page max", f32of(mxG), f32of(mxW), exact)
		gotP, wantP := alloc(ops.F32, Hq, 39), alloc(ops.F32, Hq, 39)
		mem = &hostMem{}
		ls, err = kernels.PlanPageScores(&ops.PageScoresArgs{Q: q, Min: mnG, Max: mxG, Pages: 39, Out: gotP}, mem, dev)
		runSelect(t, ls, err, mem)
		if err := be.PageScores(&ops.PageScoresArgs{Q: q, Min: mnW, Max: mxW, Pages: 39, Out: wantP}); err != nil {
			t.Fatal(err)
		}
		closeF32(t, "page scores", f32of(gotP), f32of(wantP), tolDot)
	}
}
