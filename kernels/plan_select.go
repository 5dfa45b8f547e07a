package kernels

import (
	"github.com/rotorkernels/rotor/ops"
)

// ScoresPerBlock is the number of candidates one qk_scores block scores;
// PagesPerBlock the number of pages one page_scores block bounds.
const (
	ScoresPerBlock = 256
	PagesPerBlock  = 256
)

// PlanScores plans Backend.Scores: one launch of qk_scores_gG. Index
// values are not read here (ops.CheckIndices first; an index outside
// [0, S) scores −Inf).
//
// Parameters of qk_scores_gG (scores.cu): q, k, out, idx (pointers; idx
// null for a slot range), q_row, k_row, out_row, idx_stride (i64), Hq, Hk,
// S, N, start, gchunks (i32), scale (float).
func PlanScores(a *ops.ScoresArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckScores(a, ""); err != nil {
		return nil, err
	}
	Hq, D := a.Q.Shape[0], a.Q.Shape[1]
	S, Hk := a.K.Shape[0], a.K.Shape[1]
	if err := checkHeadDim("q.shape[1]", D, 8); err != nil {
		return nil, err
	}
	N := ops.CandidateCount(&a.Candidates, S)
	if N == 0 || Hq == 0 {
		return nil, nil
	}
	ad, err := addrs(m, a.Q, a.K, a.Out, a.Candidates.Indices)
	if err != nil {
		return nil, err
	}
	for i, t := range []*ops.Tensor{a.Q, a.K} {
		if err := checkRows16([]string{"q", "k"}[i], t, ad[i]); err != nil {
			return nil, err
		}
	}
	g := Hq / Hk
	G := GroupTile(g)
	gchunks := ceilDiv(g, G)
	return []Launch{{
		Family: Scores, Options: Options{DType: a.Q.DType, HeadDim: D}, Kernel: groupKernel("qk_scores_g", G),
		Grid:  [3]int{ceilDiv(N, ScoresPerBlock), Hk * gchunks, 1},
		Block: [3]int{AttnBlock, 1, 1},
		Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), Ptr(ad[3]),
			I64(a.Q.RowStride()), I64(a.K.RowStride()), I64(a.Out.RowStride()), I64(stride1D(a.Candidates.Indices)),
			I32(Hq), I32(Hk), I32(S), I32(N), I32(a.Candidates.Start), I32(gchunks), F32(defaultScale(a.Scale, D))},
	}}, nil
}

// CritChunks returns how many chunks crit_stats splits each head's N
// scores into: enough blocks for about two per SM, chunks of at least
// 1024 scores.
func CritChunks(Hq, N int, dev Device) int {
	if Hq <= 0 || N <= 0 {
		return 1
	}
	return max(1, min(ceilDiv(N, 1024), ceilDiv(2*max(dev.SMs, 1), Hq)))
}

// PlanCriticality plans Backend.Criticality: crit_stats then crit_vote
// (crit_vote alone when there are no heads).
//
// Parameters of crit_stats (criticality.cu): scores, stats, s_row,
// s_stride (i64), N, chunk, chunks (i32). Of crit_vote: scores, stats,
// out, s_row, s_stride, out_stride (i64), Hq, N, chunks (i32); dynamic
// shared memory 8*Hq bytes.
func PlanCriticality(a *ops.CriticalityArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckCriticality(a, ""); err != nil {
		return nil, err
	}
	Hq, N := a.Scores.Shape[0], a.Scores.Shape[1]
	if N == 0 {
		return nil, nil
	}
	ad, err := addrs(m, a.Scores, a.Out)
	if err != nil {
		return nil, err
	}
	chunks := CritChunks(Hq, N, dev)
	chunk := ceilDiv(N, chunks)
	var ls []Launch
	var stats uint64
	if Hq > 0 {
		if stats, err = m.Scratch(Hq * chunks * 3 * 4); err != nil {
			return nil, err
		}
		ls = append(ls, Launch{
			Family: Criticality, Kernel: "crit_stats",
			Grid:  [3]int{chunks, Hq, 1},
			Block: [3]int{ReduceBlock, 1, 1},
			Args:  []Arg{Ptr(ad[0]), Ptr(stats), I64(a.Scores.RowStride()), I64(1), I32(N), I32(chunk), I32(chunks)},
		})
	}
	ls = append(ls, Launch{
		Family: Criticality, Kernel: "crit_vote",
		Grid:  [3]int{ceilDiv(N, ReduceBlock), 1, 1},
		Block: [3]int{ReduceBlock, 1, 1},
		Smem:  8 * Hq,
		Args: []Arg{Ptr(ad[0]), Ptr(stats), Ptr(ad[1]), I64(a.Scores.RowStride()), I64(1), I64(a.Out.RowStride()),
			I32(Hq), I32(N), I32(chunks)},
	})
	return ls, nil
}

// PlanTopK plans Backend.TopK: one launch of topk_radix, one block per
// row.
//
// Parameters of topk_radix (topk.cu): scores, out, map (pointers; map
// null when absent), s_row, out_row, map_stride (i64), N, K (i32).
func PlanTopK(a *ops.TopKArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckTopK(a, ""); err != nil {
		return nil, err
	}
	R, N := a.Scores.Shape[0], a.Scores.Shape[1]
	if R == 0 || a.K == 0 {
		return nil, nil
	}
	ad, err := addrs(m, a.Scores, a.Out, a.Map)
	if err != nil {
		return nil, err
	}
	return []Launch{{
		Family: TopK, Kernel: "topk_radix",
		Grid:  [3]int{R, 1, 1},
		Block: [3]int{TopKBlock, 1, 1},
		Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), I64(a.Scores.RowStride()), I64(a.Out.RowStride()), I64(stride1D(a.Map)),
			I32(N), I32(a.K)},
	}}, nil
}

// PlanPageMeta plans Backend.PageMeta: one launch of page_meta over the
// pages touched by [From, To).
//
// Parameters of page_meta (quest.cu): k, min, max, k_row, min_row,
// max_row (i64), P, p0, to (i32).
func PlanPageMeta(a *ops.PageMetaArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckPageMeta(a, ""); err != nil {
		return nil, err
	}
	Hk, D := a.K.Shape[1], a.K.Shape[2]
	if a.From == a.To || Hk == 0 {
		return nil, nil
	}
	if err := checkHeadDim("k.shape[2]", D, 8); err != nil {
		return nil, err
	}
	ad, err := addrs(m, a.K, a.Min, a.Max)
	if err != nil {
		return nil, err
	}
	p0 := a.From / a.PageSize
	pages := (a.To-1)/a.PageSize - p0 + 1
	return []Launch{{
		Family: Quest, Options: Options{DType: a.K.DType, HeadDim: D}, Kernel: "page_meta",
		Grid:  [3]int{pages, Hk, 1},
		Block: [3]int{AttnBlock, 1, 1},
		Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), I64(a.K.RowStride()), I64(a.Min.RowStride()), I64(a.Max.RowStride()),
			I32(a.PageSize), I32(p0), I32(a.To)},
	}}, nil
}

// PlanPageScores plans Backend.PageScores: one launch of page_scores_gG.
//
// Parameters of page_scores_gG (quest.cu): q, min, max, out, q_row,
// min_row, max_row, out_row (i64), Hq, Hk, pages, gchunks (i32), scale
// (float).
func PlanPageScores(a *ops.PageScoresArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckPageScores(a, ""); err != nil {
		return nil, err
	}
	Hq, D := a.Q.Shape[0], a.Q.Shape[1]
	Hk := a.Min.Shape[1]
	if a.Pages == 0 || Hq == 0 {
		return nil, nil
	}
	if err := checkHeadDim("q.shape[1]", D, 8); err != nil {
		return nil, err
	}
	ad, err := addrs(m, a.Q, a.Min, a.Max, a.Out)
	if err != nil {
		return nil, err
	}
	for i, t := range []*ops.Tensor{a.Q, a.Min, a.Max} {
		if err := checkRows16([]string{"q", "min", "max"}[i], t, ad[i]); err != nil {
			return nil, err
		}
	}
	g := Hq / Hk
	G := GroupTile(g)
	gchunks := ceilDiv(g, G)
	return []Launch{{
		Family: Quest, Options: Options{DType: a.Q.DType, HeadDim: D}, Kernel: groupKernel("page_scores_g", G),
		Grid:  [3]int{ceilDiv(a.Pages, PagesPerBlock), Hk * gchunks, 1},
		Block: [3]int{AttnBlock, 1, 1},
		Args: []Arg{Ptr(ad[0]), Ptr(ad[1]), Ptr(ad[2]), Ptr(ad[3]),
			I64(a.Q.RowStride()), I64(a.Min.RowStride()), I64(a.Max.RowStride()), I64(a.Out.RowStride()),
			I32(Hq), I32(Hk), I32(a.Pages), I32(gchunks), F32(defaultScale(a.Scale, D))},
	}}, nil
}
