package ops

import "math"

// DualChunk holds the chunk parameters of Dual Chunk Attention (DCA: the
// Qwen2.5-1M technical report, after ChunkLlama's "Training-Free
// Long-Context Scaling of Large Language Models"), the in-op key RoPE mode
// KeyPosDualChunk. Positions are cut into chunks of ChunkLen() =
// ChunkSize − LocalSize tokens; a key at position j is rotated at
// j mod ChunkLen(), and a query at position i at one of three positions
// chosen by the key's chunk distance d = ⌊i/ChunkLen⌋ − ⌊j/ChunkLen⌋:
//
//	d ≤ 0 (intra, the query's own chunk):     i mod ChunkLen
//	d = 1 (successive, the chunk before it):  min(i mod ChunkLen + ChunkLen, ChunkSize)
//	d ≥ 2 (inter, every earlier chunk):       min(2·ChunkLen − 1, ChunkSize)
//
// so that no encoded distance exceeds ChunkSize. These are the positions
// of vLLM's DualChunkRotaryEmbedding (its query, query_succ and
// query_inter tables); vLLM attends the three key sets in three calls and
// merges them by log-sum-exp, which is one softmax over their union, and
// the attention op computes that softmax in one call.
type DualChunk struct {
	// ChunkSize and LocalSize are dual_chunk_attention_config's chunk_size
	// and local_size: ChunkSize ≥ 2, 0 ≤ LocalSize < ChunkSize.
	ChunkSize, LocalSize int32
}

// The chunk classes of DualChunk.Class.
const (
	// ChunkIntra: the key lies in the query's chunk (or after it).
	ChunkIntra = iota
	// ChunkSuccessive: the key lies in the chunk just before the query's.
	ChunkSuccessive
	// ChunkInter: the key lies two or more chunks before the query's.
	ChunkInter
)

// ChunkLen returns ChunkSize − LocalSize, the length of a chunk.
func (d DualChunk) ChunkLen() int32 { return d.ChunkSize - d.LocalSize }

// KeyPos returns the rotation position of a key at position j ≥ 0:
// j mod ChunkLen().
func (d DualChunk) KeyPos(j int32) int32 { return j % d.ChunkLen() }

// Chunk returns the chunk of position p ≥ 0: ⌊p/ChunkLen()⌋.
func (d DualChunk) Chunk(p int32) int32 { return p / d.ChunkLen() }

// Class returns ChunkIntra, ChunkSuccessive or ChunkInter for a query at
// position i ≥ 0 and a key at position j ≥ 0.
func (d DualChunk) Class(i, j int32) int { return ChunkClass(d.Chunk(i) - d.Chunk(j)) }

// ChunkClass returns the class of a key whose chunk lies dist chunks
// before the query's: ChunkIntra for dist ≤ 0, ChunkSuccessive for 1,
// ChunkInter beyond.
func ChunkClass(dist int32) int {
	switch {
	case dist <= 0:
		return ChunkIntra
	case dist == 1:
		return ChunkSuccessive
	}
	return ChunkInter
}

// QueryPos returns the rotation position of a query at position i ≥ 0
// against keys of class c (see DualChunk). The sums are formed in 64
// bits, so that no chunk length overflows them.
func (d DualChunk) QueryPos(i int32, c int) int32 {
	cl := int64(d.ChunkLen())
	switch c {
	case ChunkSuccessive:
		return int32(min(int64(i)%cl+cl, int64(d.ChunkSize)))
	case ChunkInter:
		return int32(min(2*cl-1, int64(d.ChunkSize)))
	}
	return int32(int64(i) % cl)
}

// check validates the chunk parameters; arg names them in errors.
func (d DualChunk) check(arg string) error {
	if d.ChunkSize < 2 {
		return Errorf(ErrRange, arg+".chunk_size", d.ChunkSize, "want a chunk size ≥ 2")
	}
	if d.LocalSize < 0 || d.LocalSize >= d.ChunkSize {
		return Errorf(ErrRange, arg+".local_size", d.LocalSize, "want a local size in [0, chunk_size=%d)", d.ChunkSize)
	}
	return nil
}

// DualChunkLengthScale returns Dual Chunk Attention's length scaling of
// the query for a sequence of seqLen tokens and a model trained on
// original tokens (dual_chunk_attention_config's
// original_max_position_embeddings): max(1, 0.1·ln(seqLen/original) + 1),
// and 1 when original ≤ 0 or seqLen ≤ original. seqLen is the request's
// length including the tokens being attended: for a prompt its whole
// length (one factor for every prompt token), for a decode step the cache
// length after appending the new token.
//
// The factor multiplies every logit of the request, so a caller passes it
// through AttentionArgs.Scale: Scale = DualChunkLengthScale(L, orig)/√D.
// vLLM's dual-chunk prefill multiplies its softmax scale the same way.
func DualChunkLengthScale(seqLen, original int) float64 {
	if original <= 0 || seqLen <= original {
		return 1
	}
	return max(1, 0.1*math.Log(float64(seqLen)/float64(original))+1)
}
