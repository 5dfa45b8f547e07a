package fallback

import "github.com/rotorkernels/rotor/ops"

// Attention computes exact softmax attention of a.Q over the selected
// KV-cache slots (see ops.AttentionArgs for the definition).
//
// The call is validated entirely, index, position and sink values
// included, before any output is written. Arithmetic is float32 with
// online softmax; O is rounded once to its dtype and LSE is the natural
// log. Work is spread over the pool as (query tile, kv head) items: a
// tile is the g = Hq/Hk query heads of one kv head for up to 128/g query
// tokens that read the same row (one token for per-query rows), so every
// gathered K and V row is loaded and widened once per tile. When there
// are fewer items than four per worker (decode), each row is also split
// into chunks of at least 256 keys whose partial results are merged
// exactly inside the call.
func (b *Backend) Attention(a *ops.AttentionArgs) error {
	if err := ops.CheckAttention(a, Name); err != nil {
		return err
	}
	j := getAttnJob()
	defer putAttnJob(j)
	if err := j.setup(a, b.pool.width()); err != nil {
		return err
	}
	b.pool.run(j.items(), 1, j)
	if j.splits > 1 {
		j.mergePass.j = j
		b.pool.run(j.tiles*j.groups, 1, &j.mergePass)
	}
	return nil
}
