package ops

// ScoresArgs are the arguments of Backend.Scores: Out[h, n] =
// Scale * q[h]·k[slot(n), h/g] for one query token Q [Hq, D] over the
// candidate slots of K [S, Hk, D]. Candidates is either the slot range
// [Start, End) (Indices nil; End 0 = S) or an I32 [N] list; -1 entries
// score -Inf. Out is F32 [Hq, N]. Scale 0 means 1/sqrt(D). Arithmetic
// is float32 (inputs widened exactly); a slot listed twice is scored
// twice; list values outside [-1, S) fail with ErrRange. A NaN in q[h]
// makes row h NaN, and a NaN in a candidate's key its column for the
// heads of that kv head (padding still scores -Inf).
type ScoresArgs struct {
	Q, K       *Tensor
	Candidates Selection
	Out        *Tensor
	Scale      float32
}

// CriticalityArgs are the arguments of Backend.Criticality (TokenSelect's
// soft vote): Out[n] = Σ_h softmax_n(Scores[h, :])[n]. Scores is F32
// [Hq, N], Out F32 [N]. -Inf and NaN scores get weight 0; a head whose
// scores are all -Inf or NaN adds nothing; a head with +Inf scores gives
// each of them weight 1/(their count) and the others 0. A head of a NaN
// query therefore drops out of the vote unseen: the policies of package
// sparse check their query for NaN before voting.
type CriticalityArgs struct {
	Scores *Tensor
	Out    *Tensor
}

// TopKArgs are the arguments of Backend.TopK: for each row r of Scores
// (F32 [R, N]) the K largest entries, ties broken toward the lower column,
// written to Out (I32 [R, K]) as column indices sorted ascending; when a
// row has fewer than K finite-or-infinite non-NaN scores the tail is -1.
// With Map (I32 [N]) the output is Map[column] instead of the column.
// NaN scores are never selected; -0 and +0 tie; -Inf scores are
// selectable (they rank below every other non-NaN score).
type TopKArgs struct {
	Scores *Tensor
	K      int
	Out    *Tensor
	Map    *Tensor
}

// PageMetaArgs are the arguments of Backend.PageMeta (Quest): for every
// page touched by slots [From, To) of K [S, Hk, D], Min and Max (F32
// [Pages, Hk, D], Pages = ceil(S/PageSize)) receive the element-wise
// minimum and maximum of the page's keys. Pages are recomputed from all
// their slots below To, so appending slots updates metadata incrementally;
// pages not touched keep their values. A NaN key element makes its page's
// min and max element NaN.
type PageMetaArgs struct {
	K        *Tensor
	PageSize int
	From, To int
	Min, Max *Tensor
}

// PageScoresArgs are the arguments of Backend.PageScores (Quest): Out[h,
// p] = Scale * Σ_d max(q[h,d]*Min[p,h/g,d], q[h,d]*Max[p,h/g,d]), an upper
// bound of q·k over page p's keys, for Q [Hq, D] and pages [0, Pages).
// Out is F32 [Hq, Pages]. Scale 0 means 1/sqrt(D). A NaN in q[h] makes
// row h NaN, and a NaN in a page's Min or Max its bound for the heads of
// that kv head.
type PageScoresArgs struct {
	Q        *Tensor
	Min, Max *Tensor
	Pages    int
	Out      *Tensor
	Scale    float32
}
