package ops

// Granularity says how a selection's index rows are shared.
type Granularity uint8

const (
	// PerRequest: one row [W] shared by every head and query token.
	PerRequest Granularity = iota
	// PerKVHead: one row per kv head, [Hk, W], shared by the query heads
	// of its group and by every query token.
	PerKVHead
	// PerQuery: one row per (query token, kv head), [Tq, Hk, W].
	PerQuery
)

// String returns "request", "kvhead" or "query".
func (g Granularity) String() string {
	switch g {
	case PerRequest:
		return "request"
	case PerKVHead:
		return "kvhead"
	case PerQuery:
		return "query"
	}
	return "granularity(?)"
}

// ParseGranularity maps "request", "kvhead" or "query" to a Granularity.
func ParseGranularity(s string) (Granularity, error) {
	switch s {
	case "request", "":
		return PerRequest, nil
	case "kvhead", "head":
		return PerKVHead, nil
	case "query", "token":
		return PerQuery, nil
	}
	return 0, Errorf(ErrConfig, "granularity", s, "want request, kvhead or query")
}

// Selection names the KV-cache slots an attention call reads.
//
// With Indices nil the selection is the dense slot range [Start, End)
// (End 0 means every slot), which backends serve with a contiguous fast
// path. Otherwise Indices is I32 with rows of fixed width W padded with
// -1, shaped by Granularity: [W], [Hk, W] or [Tq, Hk, W].
type Selection struct {
	Indices     *Tensor
	Granularity Granularity
	Start, End  int
}

// KeyPosMode says which position a pre-RoPE key is rotated to inside the
// attention op.
type KeyPosMode uint8

const (
	// KeyPosRank rotates the key at its rank in the selection row (the
	// i-th non-padding entry gets position i): TokenSelect / InfLLM
	// re-indexing.
	KeyPosRank KeyPosMode = iota
	// KeyPosOriginal rotates the key at its slot's position (KPos).
	KeyPosOriginal
	// KeyPosCapped rotates the key so that its distance to the query is
	// min(qpos - kpos, Cap): LM-Infinite's distance limit.
	KeyPosCapped
	// KeyPosDualChunk is Dual Chunk Attention (KeyRoPE.Chunk): the key at
	// KPos[s] mod the chunk length, the query at one of three positions
	// chosen by the key's chunk distance.
	KeyPosDualChunk
)

// String returns "rank", "original", "capped" or "dual-chunk".
func (m KeyPosMode) String() string {
	switch m {
	case KeyPosRank:
		return "rank"
	case KeyPosOriginal:
		return "original"
	case KeyPosCapped:
		return "capped"
	case KeyPosDualChunk:
		return "dual-chunk"
	}
	return "keypos(?)"
}

// KeyRoPE asks the attention op to rotate keys stored un-rotated, and the
// query, with the given schedule.
//
// Key positions: KeyPosRank puts the i-th non-padding entry of a row at
// position i (for a dense range [Start, End), slot s is at s-Start);
// KeyPosOriginal puts slot s at KPos[s]; KeyPosCapped puts slot s at
// max(KPos[s], qpos-Cap), so that the distance qpos-kpos the rotation
// encodes never exceeds Cap; KeyPosDualChunk puts slot s at
// Chunk.KeyPos(KPos[s]) and rotates the query, for that key, at
// Chunk.QueryPos(qpos, Chunk.Class(qpos, KPos[s])) (see DualChunk), so
// that each key meets the query rotation of its chunk distance within one
// softmax. Original, Capped and DualChunk need QPos and KPos.
//
// Query positions: query token t is rotated at QueryPos+t when QueryPos
// is > 0. Otherwise (QueryPos ≤ 0, the zero value) it is rotated at
// QPos[t] (KeyPosOriginal, KeyPosCapped; for KeyPosDualChunk this is the
// query position qpos the chunk rules above start from), or, for
// KeyPosRank, as the last
// of the keys it reads: at n-1 for a per-query row and at n-Tq+t for a
// row shared by all Tq query tokens, n being the row's number of
// non-padding entries (the convention of FlashInfer's in-kernel RoPE;
// clamped at 0).
//
// Arithmetic: q and k are widened to float32 and rotated pair by pair
// with precision.RotatePair, using precision.AccurateCosSin (Accurate) or
// precision.CompatCosSin (Compat) at the position, exactly as the RoPE
// op does; the rotated values stay in float32 (they are not rounded back
// to the tensor dtype) for the dot products. V is never rotated.
type KeyRoPE struct {
	Rotary   *Rotary
	Angles   AngleMode
	KeyPos   KeyPosMode
	Cap      int32
	QueryPos int32
	// Chunk holds the chunk parameters of KeyPosDualChunk (ignored by the
	// other modes).
	Chunk DualChunk
}

// AttentionArgs are the arguments of Backend.Attention.
//
// Q is [Tq, Hq, D]; K and V are the slot pool [S, Hk, D] and [S, Hk, Dv]
// with Hq a multiple of Hk; all three share one float dtype. O is
// [Tq, Hq, Dv] of that dtype. LSE (optional) is F32 [Tq, Hq] and receives
// the natural-log log-sum-exp of the (scaled, capped) logits over the
// visible selected keys, including the sink when given.
//
// For each query token t and query head h (kv head h/(Hq/Hk)), with R the
// selection row of (t, kv head) and x_s = cap(Scale·λ_t·q[t,h]·k[s,kv])
// the logit of each visible slot s of R (λ_t the log-n scale, 1 unless
// LogN is set):
//
//	O[t,h]   = Σ_s exp(x_s - m) v[s,kv] / (Σ_s exp(x_s - m) + exp(sink_h - m))
//	LSE[t,h] = log(Σ_s exp(x_s) + exp(sink_h))
//
// Arithmetic is float32 (inputs widened exactly) with online softmax and
// one final rounding of O to its dtype. Padding entries (-1) are skipped.
// A slot listed twice in a row counts twice, as two keys. The order of a
// row changes results only by float32 rounding. A row with no visible
// key gives O = 0 and LSE = -Inf (or LSE = sink_h with a sink), never
// NaN. Index values outside [-1, S) fail with ErrRange before anything is
// written. O and LSE must not overlap the inputs or each other
// (ErrBuffer, see Overlap).
//
// NaN propagates, as in FlashAttention, and never looks like an empty
// row: a NaN logit (from a NaN in q[t,h] or in the key of a visible slot,
// or a +Inf logit, whose weight is Inf−Inf) makes O[t,h] and LSE[t,h]
// NaN, and a NaN in the value row of a visible slot makes O[t,h] NaN,
// whatever its weight (0·NaN is NaN). Padding entries are never read. A
// NaN in the value row of a slot that the causal mask hides from row
// (t,h) but shows to another query token of the call may also make
// O[t,h] NaN. A logit of -Inf (q·k overflowing float32) weighs 0.
type AttentionArgs struct {
	Q, K, V *Tensor
	O       *Tensor
	LSE     *Tensor
	Sel     Selection
	// QPos (I32 [Tq]) and KPos (I32 [S]) enable causal masking: key s is
	// visible to query t iff KPos[s] ≤ QPos[t]. Both or neither. Any
	// int32 values mask; in-op RoPE at original, capped or dual-chunk
	// positions also rotates by them and needs them ≥ 0 (ErrRange
	// otherwise).
	QPos, KPos *Tensor
	// QDoc (I32 [Tq]) and KDoc (I32 [S]) are document ids, both or
	// neither: key s is visible to query t only if KDoc[s] == QDoc[t] or
	// KDoc[s] == -1, an anchor visible to every document (the shared
	// anchor of AnchorAttention). This combines with causal masking;
	// rows left with no visible key follow the empty-row rule. With
	// positions reset per document by the caller it is intra-document
	// attention over packed sequences; with one document per request it
	// is a ragged batch of requests in one call. Any int32 values.
	QDoc, KDoc *Tensor
	// Scale multiplies q·k; 0 means 1/sqrt(D).
	Scale float32
	// SoftCap, when > 0, maps a logit x to SoftCap*tanh(x/SoftCap).
	SoftCap float32
	// LogN, when > 0, is the training length L ≥ 2 of log-n attention
	// scaling: the logits of query token t are multiplied by
	// λ_t = LogNScale(QPos[t], L) = max(1, log_L(QPos[t]+1)) before the
	// soft-cap (Qwen's use_logn_attn; QPos is 0-based). Needs QPos.
	LogN int32
	// Sinks (optional, F32 [Hq]) is a per-head logit that joins the
	// softmax denominator but has no value (gpt-oss attention sinks).
	// -Inf means no sink for that head; NaN and +Inf fail with ErrRange.
	Sinks *Tensor
	// RoPE (optional) rotates pre-RoPE keys and the query inside the op.
	RoPE *KeyRoPE
}

// MergeArgs are the arguments of Backend.Merge: (O1, LSE1) and (O2, LSE2)
// are attention outputs [Tq, Hq, Dv] with their F32 [Tq, Hq] natural-log
// LSEs over disjoint key sets; O and LSE receive the attention over the
// union. O may alias O1. A NaN LSE makes that row's O and LSE NaN; an
// LSE of +Inf fails with ErrRange.
type MergeArgs struct {
	O1, LSE1 *Tensor
	O2, LSE2 *Tensor
	O, LSE   *Tensor
}
