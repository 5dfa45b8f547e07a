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
)

// KeyRoPE asks the attention op to rotate keys stored un-rotated, and the
// query, with the given schedule. Queries are rotated at QueryPos when it
// is ≥ 0, else at their QPos entry (KeyPosOriginal, KeyPosCapped) or at
// the selection row's length (KeyPosRank).
type KeyRoPE struct {
	Rotary   *Rotary
	Angles   AngleMode
	KeyPos   KeyPosMode
	Cap      int32
	QueryPos int32
}

// AttentionArgs are the arguments of Backend.Attention.
//
// Q is [Tq, Hq, D]; K and V are the slot pool [S, Hk, D] and [S, Hk, Dv]
// with Hq a multiple of Hk; all three share one float dtype. O is
// [Tq, Hq, Dv] of that dtype. LSE (optional) is F32 [Tq, Hq] and receives
// the natural-log log-sum-exp of the (scaled, capped) logits over the
// visible selected keys, including the sink when given.
type AttentionArgs struct {
	Q, K, V *Tensor
	O       *Tensor
	LSE     *Tensor
	Sel     Selection
	// QPos (I32 [Tq]) and KPos (I32 [S]) enable causal masking: key s is
	// visible to query t iff KPos[s] ≤ QPos[t]. Both or neither.
	QPos, KPos *Tensor
	// Scale multiplies q·k; 0 means 1/sqrt(D).
	Scale float32
	// SoftCap, when > 0, maps a logit x to SoftCap*tanh(x/SoftCap).
	SoftCap float32
	// Sinks (optional, F32 [Hq]) is a per-head logit that joins the
	// softmax denominator but has no value (gpt-oss attention sinks).
	Sinks *Tensor
	// RoPE (optional) rotates pre-RoPE keys and the query inside the op.
	RoPE *KeyRoPE
}

// MergeArgs are the arguments of Backend.Merge: (O1, LSE1) and (O2, LSE2)
// are attention outputs [Tq, Hq, Dv] with their F32 [Tq, Hq] natural-log
// LSEs over disjoint key sets; O and LSE receive the attention over the
// union. O may alias O1.
type MergeArgs struct {
	O1, LSE1 *Tensor
	O2, LSE2 *Tensor
	O, LSE   *Tensor
}
