package ops

// Backend is the op contract. The fallback (pure Go) and cuda backends
// implement it; ops/opstest checks any implementation against fp64 truth.
//
// Every op validates its arguments with the Check functions of this
// package before it touches memory and returns an error wrapping one of
// the sentinel errors (ErrShape, ErrDType, ErrRange, …). Ops may run
// asynchronously on devices; Read and Sync wait for completed work.
//
// A Backend is safe for use by several goroutines unless its package
// documentation says otherwise.
type Backend interface {
	// Name returns the backend's name ("fallback", "cuda").
	Name() string

	// Alloc returns a new dense, zeroed tensor owned by the backend. An
	// invalid dtype or a negative extent fails with ErrDType or ErrShape, a
	// size above MaxSize (DenseBytes) with ErrShape, and a size the
	// backend cannot hold with ErrBuffer or ErrDevice: never a tensor
	// without its memory.
	Alloc(dt DType, shape ...int) (*Tensor, error)
	// Free releases a tensor returned by Alloc. Freeing a wrapped tensor
	// releases nothing the caller owns.
	Free(t *Tensor) error
	// Write copies dense little-endian host bytes into t (which may be
	// strided). len(src) must be t.Len()*t.DType.Size() (CheckCopy).
	Write(dst *Tensor, src []byte) error
	// Read copies t into dense little-endian host bytes (CheckCopy).
	Read(dst []byte, src *Tensor) error
	// Sync waits for all work submitted to the backend.
	Sync() error
	// Close releases the backend's resources.
	Close() error

	// RoPE rotates q and (if non-nil) k in place, in one pass.
	RoPE(a *RoPEArgs) error
	// RoPEAppend rotates q in place, rotates k and writes k and v into
	// the given slots of a KV-cache pool.
	RoPEAppend(a *RoPEAppendArgs) error

	// Attention computes exact softmax attention of q over selected
	// KV-cache slots, writing O and (optionally) the natural-log
	// log-sum-exp of the logits.
	Attention(a *AttentionArgs) error
	// Merge combines two partial attention results over disjoint key sets
	// into the attention over their union.
	Merge(a *MergeArgs) error

	// Scores computes per-head scaled q·k scores over candidate slots.
	Scores(a *ScoresArgs) error
	// Criticality is TokenSelect's soft vote: a softmax over candidates
	// per head, summed over heads.
	Criticality(a *CriticalityArgs) error
	// TopK selects the k largest scores of each row, ties to the lower
	// index, output sorted ascending.
	TopK(a *TopKArgs) error
	// PageMeta updates Quest's per-page element-wise key min and max.
	PageMeta(a *PageMetaArgs) error
	// PageScores computes Quest's per-page upper bound of q·k.
	PageScores(a *PageScoresArgs) error
}
