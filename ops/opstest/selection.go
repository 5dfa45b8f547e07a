package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// runSelection is the selection-primitive part of the suite: Scores,
// Criticality, TopK, PageMeta and PageScores against brute force.
func runSelection(t *testing.T, b ops.Backend) {
	t.Run("scores", func(t *testing.T) { testScores(t, b) })
	t.Run("criticality", func(t *testing.T) { testCriticality(t, b) })
	t.Run("topk", func(t *testing.T) { testTopK(t, b) })
	t.Run("pagemeta", func(t *testing.T) { testPageMeta(t, b) })
	t.Run("pagescores", func(t *testing.T) { testPageScores(t, b) })
	t.Run("errors", func(t *testing.T) { testSelectionErrors(t, b) })
	t.Run("nan", func(t *testing.T) { testSelectionNaN(t, b) })
}

// testScores checks Scores over slot ranges and lists (with -1 and
// duplicates) for GQA ratios 1, 4 and 7 and every float dtype against the
// float64 dot products: a float32 dot product of D terms errs by at most
// γ_D·Σ|q_d k_d| (γ_n = n·u/(1-n·u)), plus one rounding for the scale.
func testScores(t *testing.T, b ops.Backend) {
	const S, Hk, D = 500, 2, 64
	worst := 0.0
	for i, dt := range floatDTypes {
		for j, g := range []int{1, 4, 7} {
			Hq := Hk * g
			seed := uint64(8000 + 10*i + j)
			q := roundAll(dt, randNormal(seed, Hq*D))
			k := roundAll(dt, randNormal(seed+1, S*Hk*D))
			Q, K := upload(t, b, dt, q, Hq, D), upload(t, b, dt, k, S, Hk, D)
			list := attnRows(seed+2, 1, 300, S)
			list[7], list[8] = 42, 42
			Idx := uploadI32(t, b, list, len(list))
			for _, cs := range []struct {
				sel   ops.Selection
				slots []int32
				scale float64
			}{
				{ops.Selection{}, seq(0, S), 0},
				{ops.Selection{Start: 100, End: 160}, seq(100, 160), 0.25},
				{ops.Selection{Start: 450}, seq(450, S), -2},
				{ops.Selection{Start: 4}, seq(4, S), 0}, // 496 columns: rows of whole cache lines
				{ops.Selection{Indices: Idx}, list, 0},
				{ops.Selection{Start: 9, End: 9}, nil, 0},
			} {
				N := len(cs.slots)
				out := alloc(t, b, ops.F32, Hq, N)
				if err := b.Scores(&ops.ScoresArgs{Q: Q, K: K, Candidates: cs.sel, Out: out, Scale: float32(cs.scale)}); err != nil {
					t.Fatalf("%v g%d: Scores: %v", dt, g, err)
				}
				got := download(t, b, out)
				want, bound := precision.RefScores(q, k, Hq, Hk, D, cs.slots, scoreScale(cs.scale, D))
				for i, x := range got {
					h, n := i/max(N, 1), i%max(N, 1)
					if e := math.Abs(x - want[i]); !(e <= bound[i]) && !(math.IsInf(want[i], -1) && x == want[i]) {
						t.Errorf("%v g%d: score[%d,%d] (slot %d) = %.9g, want %.9g (|err| %.3g > %.3g)", dt, g, h, n, cs.slots[n], x, want[i], e, bound[i])
					} else if bound[i] > 0 && !math.IsInf(want[i], 0) {
						worst = max(worst, e/bound[i])
					}
				}
				free(b, out)
			}
			free(b, Q, K, Idx)
		}
	}
	t.Logf("worst |err|/bound %.3g", worst)
	testScoresEmpty(t, b)
}

// testScoresEmpty checks that a Scores or PageScores call with no query
// heads, or no candidates or pages, succeeds and writes nothing: Out is
// then empty, so the memory behind it may be shorter than the candidate
// count or the head count suggests (here only the guard elements).
func testScoresEmpty(t *testing.T, b ops.Backend) {
	const S, Hk, D = 64, 2, 16
	for _, dt := range floatDTypes {
		K := upload(t, b, dt, roundAll(dt, randNormal(8100, S*Hk*D)), S, Hk, D)
		for _, c := range []struct {
			Hq  int
			sel ops.Selection
			N   int
		}{
			{0, ops.Selection{Start: 3}, S - 3},
			{0, ops.Selection{}, S},
			{4, ops.Selection{Start: 40, End: 40}, 0},
		} {
			gq := newGuarded(t, b, dt, []int{c.Hq, D}, 0, 8101, nil)
			gout := newGuarded(t, b, ops.F32, []int{c.Hq, c.N}, 0, 8102, nil)
			err := b.Scores(&ops.ScoresArgs{Q: gq.view, K: K, Candidates: c.sel, Out: gout.view})
			if err != nil {
				t.Errorf("%v: Scores of %d heads over %d candidates: %v", dt, c.Hq, c.N, err)
			}
			gout.unchanged(t, b, "Scores with an empty Out")
			free(b, gq.all, gout.all)
		}
		// PageScores over the same pool's page bounds, with the bounds'
		// rows at equal and at different strides.
		const P = 8
		pages := ops.PageCount(S, P)
		Min, Max := alloc(t, b, ops.F32, pages, Hk, D), alloc(t, b, ops.F32, pages, Hk, D)
		if err := b.PageMeta(&ops.PageMetaArgs{K: K, PageSize: P, To: S, Min: Min, Max: Max}); err != nil {
			t.Fatalf("%v: PageMeta: %v", dt, err)
		}
		wide := &ops.Tensor{DType: ops.F32, Shape: []int{pages / 2, Hk, D}, Stride: 2 * Hk * D, Mem: Min.Mem}
		half := &ops.Tensor{DType: ops.F32, Shape: []int{pages / 2, Hk, D}, Mem: Max.Mem}
		for _, c := range []struct {
			Hq, np   int
			min, max *ops.Tensor
		}{
			{0, pages, Min, Max},
			{0, pages / 2, wide, half},
			{4, 0, Min, Max},
		} {
			gq := newGuarded(t, b, dt, []int{c.Hq, D}, 0, 8103, nil)
			gout := newGuarded(t, b, ops.F32, []int{c.Hq, c.np}, 0, 8104, nil)
			err := b.PageScores(&ops.PageScoresArgs{Q: gq.view, Min: c.min, Max: c.max, Pages: c.np, Out: gout.view})
			if err != nil {
				t.Errorf("%v: PageScores of %d heads over %d pages: %v", dt, c.Hq, c.np, err)
			}
			gout.unchanged(t, b, "PageScores with an empty Out")
			free(b, gq.all, gout.all)
		}
		free(b, K, Min, Max)
	}
}

// seq returns lo, lo+1, …, hi-1 as int32.
func seq(lo, hi int) []int32 {
	out := make([]int32, 0, max(hi-lo, 0))
	for s := lo; s < hi; s++ {
		out = append(out, int32(s))
	}
	return out
}

// scoreScale is the scale Scores and PageScores apply: scale, or
// 1/sqrt(D) rounded to float32 when scale is 0.
func scoreScale(scale float64, D int) float64 {
	if scale == 0 {
		return float64(float32(1 / math.Sqrt(float64(D))))
	}
	return scale
}
