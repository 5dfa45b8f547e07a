package ops

// CheckScores validates a Scores call for backend: Q [Hq, D] and K
// [S, Hk, D] of one float dtype with Hk dividing Hq; candidates either the
// slot range [Start, End) or a request-granularity I32 [N] list; Out F32
// [Hq, N]; a finite Scale. Index values are checked by CheckIndices.
func CheckScores(a *ScoresArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("q", a.Q, backend, 2, F32, BF16, F16); err != nil {
		return err
	}
	Hq, D := a.Q.Shape[0], a.Q.Shape[1]
	if D < 1 {
		return Errorf(ErrShape, "q.shape[1]", D, "want a head dimension ≥ 1")
	}
	S, Hk, err := checkGroupedKV("k", a.K, backend, Hq, D, a.Q.DType)
	if err != nil {
		return err
	}
	if a.Candidates.Indices != nil && a.Candidates.Granularity != PerRequest {
		return Errorf(ErrConfig, "candidates.granularity", a.Candidates.Granularity, "want request: one candidate list for all heads")
	}
	if err := checkSelection(scoresSelNames, &a.Candidates, backend, 1, Hk, S); err != nil {
		return err
	}
	if err := CheckTensor("out", a.Out, backend, 2, F32); err != nil {
		return err
	}
	if err := CheckDim("out", a.Out, 0, Hq); err != nil {
		return err
	}
	if err := CheckDim("out", a.Out, 1, CandidateCount(&a.Candidates, S)); err != nil {
		return err
	}
	return CheckFinite("scale", float64(a.Scale))
}

// CandidateCount returns the number of candidates N of a checked
// request-granularity selection over S slots: the index list's length, or
// the slot range's length.
func CandidateCount(sel *Selection, S int) int {
	if sel.Indices != nil {
		return sel.Indices.Dim(0)
	}
	end := sel.End
	if end == 0 {
		end = S
	}
	return end - sel.Start
}

// CheckCriticality validates a Criticality call for backend: Scores F32
// [Hq, N] and Out F32 [N].
func CheckCriticality(a *CriticalityArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("scores", a.Scores, backend, 2, F32); err != nil {
		return err
	}
	if err := CheckTensor("out", a.Out, backend, 1, F32); err != nil {
		return err
	}
	return CheckDim("out", a.Out, 0, a.Scores.Shape[1])
}

// CheckTopK validates a TopK call for backend: Scores F32 [R, N], K ≥ 0,
// Out I32 [R, K] and the optional Map I32 [N].
func CheckTopK(a *TopKArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("scores", a.Scores, backend, 2, F32); err != nil {
		return err
	}
	R, N := a.Scores.Shape[0], a.Scores.Shape[1]
	if a.K < 0 {
		return Errorf(ErrRange, "k", a.K, "want k ≥ 0")
	}
	if err := CheckTensor("out", a.Out, backend, 2, I32); err != nil {
		return err
	}
	if err := CheckDim("out", a.Out, 0, R); err != nil {
		return err
	}
	if err := CheckDim("out", a.Out, 1, a.K); err != nil {
		return err
	}
	if a.Map != nil {
		if err := CheckTensor("map", a.Map, backend, 1, I32); err != nil {
			return err
		}
		return CheckDim("map", a.Map, 0, N)
	}
	return nil
}

// PageCount returns ceil(slots/pageSize), the number of pages of a pool.
func PageCount(slots, pageSize int) int {
	if pageSize < 1 {
		return 0
	}
	return (slots + pageSize - 1) / pageSize
}

// CheckPageMeta validates a PageMeta call for backend: K [S, Hk, D] of a
// float dtype, PageSize ≥ 1, 0 ≤ From ≤ To ≤ S, Min and Max F32
// [ceil(S/PageSize), Hk, D].
func CheckPageMeta(a *PageMetaArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("k", a.K, backend, 3, F32, BF16, F16); err != nil {
		return err
	}
	S, Hk, D := a.K.Shape[0], a.K.Shape[1], a.K.Shape[2]
	if a.PageSize < 1 {
		return Errorf(ErrRange, "page_size", a.PageSize, "want ≥ 1")
	}
	if a.To < 0 || a.To > S {
		return Errorf(ErrRange, "to", a.To, "want an end slot in [from, %d]", S)
	}
	if a.From < 0 || a.From > a.To {
		return Errorf(ErrRange, "from", a.From, "want a start slot in [0, to=%d]", a.To)
	}
	P := PageCount(S, a.PageSize)
	for _, m := range []struct {
		name string
		t    *Tensor
	}{{"min", a.Min}, {"max", a.Max}} {
		if err := CheckTensor(m.name, m.t, backend, 3, F32); err != nil {
			return err
		}
		for i, want := range [3]int{P, Hk, D} {
			if err := CheckDim(m.name, m.t, i, want); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckPageScores validates a PageScores call for backend: Q [Hq, D] of a
// float dtype; Min and Max F32 [P, Hk, D] of one shape with Hk dividing
// Hq; 0 ≤ Pages ≤ P; Out F32 [Hq, Pages]; a finite Scale.
func CheckPageScores(a *PageScoresArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("q", a.Q, backend, 2, F32, BF16, F16); err != nil {
		return err
	}
	Hq, D := a.Q.Shape[0], a.Q.Shape[1]
	if D < 1 {
		return Errorf(ErrShape, "q.shape[1]", D, "want a head dimension ≥ 1")
	}
	P, Hk, err := checkGroupedKV("min", a.Min, backend, Hq, D, F32)
	if err != nil {
		return err
	}
	if err := CheckTensor("max", a.Max, backend, 3, F32); err != nil {
		return err
	}
	for i, want := range [3]int{P, Hk, D} {
		if err := CheckDim("max", a.Max, i, want); err != nil {
			return err
		}
	}
	if a.Pages < 0 || a.Pages > P {
		return Errorf(ErrRange, "pages", a.Pages, "want a page count in [0, %d]", P)
	}
	if err := CheckTensor("out", a.Out, backend, 2, F32); err != nil {
		return err
	}
	if err := CheckDim("out", a.Out, 0, Hq); err != nil {
		return err
	}
	if err := CheckDim("out", a.Out, 1, a.Pages); err != nil {
		return err
	}
	return CheckFinite("scale", float64(a.Scale))
}
