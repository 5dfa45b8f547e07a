package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// testSelectionErrors checks that every bad selection-primitive call
// returns its typed error naming the argument, and leaves the outputs
// untouched.
func testSelectionErrors(t *testing.T, b ops.Backend) {
	const S, Hk, Hq, D, N, P = 20, 2, 4, 8, 5, 4
	q := upload(t, b, ops.BF16, randNormal(8500, Hq*D), Hq, D)
	k := upload(t, b, ops.BF16, randNormal(8501, S*Hk*D), S, Hk, D)
	kF16 := alloc(t, b, ops.F16, S, Hk, D)
	k3 := alloc(t, b, ops.BF16, S, 3, D)
	idx := uploadI32(t, b, []int32{0, 3, -1, 19, 4}, N)
	idxBig := uploadI32(t, b, []int32{0, 3, -1, 20, 4}, N)
	idxNeg := uploadI32(t, b, []int32{0, -5, -1, 2, 4}, N)
	scores := upload(t, b, ops.F32, randNormal(8502, Hq*N), Hq, N)
	out := upload(t, b, ops.F32, randNormal(8503, Hq*N), Hq, N)
	outWide := alloc(t, b, ops.F32, Hq, N+1)
	out1 := upload(t, b, ops.F32, randNormal(8504, N), N)
	out1Short := alloc(t, b, ops.F32, N-1)
	topOut := uploadI32(t, b, []int32{9, 9, 9, 9, 9, 9, 9, 9}, Hq, 2)
	topOutF32 := alloc(t, b, ops.F32, Hq, 2)
	mapShort := alloc(t, b, ops.I32, N-1)
	pages := ops.PageCount(S, P)
	mn := upload(t, b, ops.F32, randNormal(8505, pages*Hk*D), pages, Hk, D)
	mx := upload(t, b, ops.F32, randNormal(8506, pages*Hk*D), pages, Hk, D)
	mnShort := alloc(t, b, ops.F32, pages-1, Hk, D)
	pageOut := upload(t, b, ops.F32, randNormal(8507, Hq*pages), Hq, pages)
	defer free(b, q, k, kF16, k3, idx, idxBig, idxNeg, scores, out, outWide, out1, out1Short, topOut, topOutF32,
		mapShort, mn, mx, mnShort, pageOut)
	snap := takeSnapshot(t, b, out, out1, topOut, mn, mx, pageOut)

	type errCase struct {
		name     string
		sentinel error
		arg      string
		call     func() error
	}
	scoresWith := func(edit func(a *ops.ScoresArgs)) func() error {
		return func() error {
			a := &ops.ScoresArgs{Q: q, K: k, Candidates: ops.Selection{Indices: idx}, Out: out}
			edit(a)
			return b.Scores(a)
		}
	}
	topkWith := func(edit func(a *ops.TopKArgs)) func() error {
		return func() error {
			a := &ops.TopKArgs{Scores: scores, K: 2, Out: topOut}
			edit(a)
			return b.TopK(a)
		}
	}
	metaWith := func(edit func(a *ops.PageMetaArgs)) func() error {
		return func() error {
			a := &ops.PageMetaArgs{K: k, PageSize: P, From: 0, To: S, Min: mn, Max: mx}
			edit(a)
			return b.PageMeta(a)
		}
	}
	pageScoresWith := func(edit func(a *ops.PageScoresArgs)) func() error {
		return func() error {
			a := &ops.PageScoresArgs{Q: q, Min: mn, Max: mx, Pages: pages, Out: pageOut}
			edit(a)
			return b.PageScores(a)
		}
	}
	cases := []errCase{
		{"scores index ≥ S", ops.ErrRange, "candidates.indices[3]", scoresWith(func(a *ops.ScoresArgs) { a.Candidates.Indices = idxBig })},
		{"scores index < -1", ops.ErrRange, "candidates.indices[1]", scoresWith(func(a *ops.ScoresArgs) { a.Candidates.Indices = idxNeg })},
		{"scores granularity", ops.ErrConfig, "candidates.granularity", scoresWith(func(a *ops.ScoresArgs) { a.Candidates.Granularity = ops.PerKVHead })},
		{"scores range end", ops.ErrRange, "candidates.end", scoresWith(func(a *ops.ScoresArgs) { a.Candidates = ops.Selection{End: S + 1} })},
		{"scores out width", ops.ErrShape, "out.shape[1]", scoresWith(func(a *ops.ScoresArgs) { a.Out = outWide })},
		{"scores k dtype", ops.ErrDType, "k.dtype", scoresWith(func(a *ops.ScoresArgs) { a.K = kF16 })},
		{"scores Hk ∤ Hq", ops.ErrShape, "k.shape[1]", scoresWith(func(a *ops.ScoresArgs) { a.K = k3 })},
		{"scores scale", ops.ErrRange, "scale", scoresWith(func(a *ops.ScoresArgs) { a.Scale = float32(math.NaN()) })},
		{"scores q rank", ops.ErrShape, "q.shape", scoresWith(func(a *ops.ScoresArgs) { a.Q = k })},
		{"criticality out", ops.ErrShape, "out.shape[0]", func() error {
			return b.Criticality(&ops.CriticalityArgs{Scores: scores, Out: out1Short})
		}},
		{"criticality scores dtype", ops.ErrDType, "scores.dtype", func() error {
			return b.Criticality(&ops.CriticalityArgs{Scores: idx, Out: out1})
		}},
		{"topk k < 0", ops.ErrRange, "k", topkWith(func(a *ops.TopKArgs) { a.K = -1 })},
		{"topk out width", ops.ErrShape, "out.shape[1]", topkWith(func(a *ops.TopKArgs) { a.K = 3 })},
		{"topk out dtype", ops.ErrDType, "out.dtype", topkWith(func(a *ops.TopKArgs) { a.Out = topOutF32 })},
		{"topk map length", ops.ErrShape, "map.shape[0]", topkWith(func(a *ops.TopKArgs) { a.Map = mapShort })},
		{"pagemeta page size", ops.ErrRange, "page_size", metaWith(func(a *ops.PageMetaArgs) { a.PageSize = 0 })},
		{"pagemeta to > S", ops.ErrRange, "to", metaWith(func(a *ops.PageMetaArgs) { a.To = S + 1 })},
		{"pagemeta from > to", ops.ErrRange, "from", metaWith(func(a *ops.PageMetaArgs) { a.From, a.To = 9, 8 })},
		{"pagemeta min pages", ops.ErrShape, "min.shape[0]", metaWith(func(a *ops.PageMetaArgs) { a.Min = mnShort })},
		{"pagemeta page size changes pages", ops.ErrShape, "min.shape[0]", metaWith(func(a *ops.PageMetaArgs) { a.PageSize = 8 })},
		{"pagescores pages > P", ops.ErrRange, "pages", pageScoresWith(func(a *ops.PageScoresArgs) { a.Pages = pages + 1 })},
		{"pagescores max shape", ops.ErrShape, "max.shape[0]", pageScoresWith(func(a *ops.PageScoresArgs) { a.Max = mnShort })},
		{"pagescores out", ops.ErrShape, "out.shape[1]", pageScoresWith(func(a *ops.PageScoresArgs) { a.Pages = 2 })},
		{"pagescores foreign", ops.ErrBuffer, "min.mem", pageScoresWith(func(a *ops.PageScoresArgs) { a.Min = foreign(ops.F32, pages, Hk, D) })},
	}
	for _, ec := range cases {
		checkArg(t, ec.call(), ec.sentinel, ec.arg)
		snap.unchanged(t, b, ec.name)
	}
	for name, err := range map[string]error{
		"Scores(nil)": b.Scores(nil), "Criticality(nil)": b.Criticality(nil), "TopK(nil)": b.TopK(nil),
		"PageMeta(nil)": b.PageMeta(nil), "PageScores(nil)": b.PageScores(nil),
	} {
		if !isErr(err, ops.ErrShape) {
			t.Errorf("%s = %v, want ErrShape", name, err)
		}
	}
	testKMeansErrors(t, b)
}
