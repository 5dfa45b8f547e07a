package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// Long-context method rows of the attend op, per model:
//
//   - Dual Chunk Attention decode (models with a dual_chunk_attention_config,
//     Qwen2.5-7B-1M): one query token at the last position of the model's
//     context over attendDCASelected selected slots of the pool, whose slot
//     s holds the pre-RoPE key of position s·⌊Context/S⌋ (so that the
//     selection reaches the intra, successive and inter chunks), rotated in
//     the op (ops.KeyPosDualChunk) with DCA's length scaling in the scale;
//     its notes compare it with the plain row of the same selection size.
//   - Packed prefill: attendPackedDocs documents of attendPackedLen tokens
//     behind one shared anchor slot (AnchorAttention's mask, causal
//     positions continuing across documents), every token a query over the
//     dense range of those slots. Flops count the visible (query, key)
//     pairs only; the kernels still read and dot the masked keys.
const (
	attendDCASelected = 2048
	attendPackedDocs  = 4
	attendPackedLen   = 256
)

// attendMethodRows measures the method rows of m over pool; plain are the
// model's decode rows measured before (the DCA row's comparison).
func attendMethodRows(c *Ctx, m Model, pool *attendPool, rng *rand.Rand, plain []Result) ([]Result, error) {
	var rows []Result
	if m.DualChunk != nil && attendDCASelected <= pool.slots/2 {
		r, err := attendDualChunk(c, m, pool, rng)
		if err != nil {
			return rows, err
		}
		base := fmt.Sprintf(" sel=%d ", attendDCASelected)
		for _, p := range plain {
			if !p.Skipped && !r.Skipped && p.Seconds > 0 && strings.Contains(p.Shape, base) {
				r.Notes += fmt.Sprintf("; %.1f× the same selection without in-op RoPE (%.3g ms)", r.Seconds/p.Seconds, 1e3*p.Seconds)
			}
		}
		rows = append(rows, r)
	}
	r, err := attendPacked(c, m, pool, rng)
	if err != nil {
		return rows, err
	}
	return append(rows, r), nil
}

// uploadI32 allocates an I32 tensor of ts holding v.
func uploadI32(ts *tensorSet, v []int32) (*ops.Tensor, error) {
	t, err := ts.alloc(ops.I32, len(v))
	if err != nil {
		return nil, err
	}
	return t, ts.b.Write(t, ops.Bytes(v))
}

// attendDualChunk measures the Dual Chunk Attention decode row of m.
func attendDualChunk(c *Ctx, m Model, pool *attendPool, rng *rand.Rand) (Result, error) {
	b := c.Backend
	D, Hq, Hk, n := m.HeadDim, m.QHeads, m.KVHeads, attendDCASelected
	r := attendTraffic(1, Hq, Hk, D, n, false)
	r.Op, r.Model, r.DType = "attend", m.Name, ops.BF16.String()
	r.Shape = fmt.Sprintf("Tq=1 S=%d sel=%d dca Hq=%d Hk=%d D=%d", pool.slots, n, Hq, Hk, D)
	rot, err := m.Rotary(m.Context)
	if err != nil {
		return r, err
	}
	ts := &tensorSet{b: b}
	defer ts.free()
	a, slots, err := attendCall(ts, m, pool, rng, 1, n)
	if err != nil {
		return r, err
	}
	stride := int32(m.Context / pool.slots)
	kpos := make([]int32, pool.slots)
	for s := range kpos {
		kpos[s] = int32(s) * stride
	}
	qpos := int32(m.Context - 1)
	if a.QPos, err = uploadI32(ts, []int32{qpos}); err != nil {
		return r, err
	}
	if a.KPos, err = uploadI32(ts, kpos); err != nil {
		return r, err
	}
	ch := m.DualChunk.Chunk
	a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ch}
	lscale := m.DualChunk.LengthScale(m.Context)
	a.Scale = float32(lscale / math.Sqrt(float64(D)))
	var classes [3]int
	for _, s := range slots {
		classes[ch.Class(qpos, kpos[s])]++
	}
	if err := timeAttend(c.TimeCold, b, &r, a); err != nil || r.Skipped {
		return c.Finish(r), err
	}
	r.Notes = fmt.Sprintf("decode at position %d, Dual Chunk Attention (chunk %d, local %d) in the op over keys stored pre-RoPE at positions %d·slot: %d intra, %d successive, %d inter; length scale %.4f",
		qpos, ch.ChunkSize, ch.LocalSize, stride, classes[0], classes[1], classes[2], lscale) + pool.note
	return c.Finish(r), nil
}

// attendPacked measures the packed multi-document prefill row of m.
func attendPacked(c *Ctx, m Model, pool *attendPool, rng *rand.Rand) (Result, error) {
	b := c.Backend
	D, Hq, Hk := m.HeadDim, m.QHeads, m.KVHeads
	T := attendPackedDocs * attendPackedLen
	S := T + 1 // the anchor, then the documents
	r := attendTraffic(T, Hq, Hk, D, S, true)
	r.Op, r.Model, r.DType = "attend", m.Name, ops.BF16.String()
	r.Shape = fmt.Sprintf("Tq=%d S=%d packed=%dx%d+anchor Hq=%d Hk=%d D=%d", T, S, attendPackedDocs, attendPackedLen, Hq, Hk, D)
	if S > pool.slots {
		r.Skipped, r.Notes = true, "pool too small"
		return r, nil
	}
	ts := &tensorSet{b: b}
	defer ts.free()
	a, _, err := attendCall(ts, m, pool, rng, T, 0)
	if err != nil {
		return r, err
	}
	a.Sel = ops.Selection{End: S}
	kpos, kdoc := make([]int32, pool.slots), make([]int32, pool.slots)
	qpos, qdoc := make([]int32, T), make([]int32, T)
	kdoc[0] = -1
	for s := 1; s < pool.slots; s++ {
		kpos[s], kdoc[s] = int32(s), int32((s-1)/attendPackedLen)
	}
	pairs := 0 // visible (query, key) pairs: the anchor and the document's keys up to the query
	for t := range T {
		qpos[t], qdoc[t] = int32(t+1), int32(t/attendPackedLen)
		pairs += 1 + t%attendPackedLen + 1
	}
	for _, x := range []struct {
		dst **ops.Tensor
		v   []int32
	}{{&a.QPos, qpos}, {&a.KPos, kpos}, {&a.QDoc, qdoc}, {&a.KDoc, kdoc}} {
		if *x.dst, err = uploadI32(ts, x.v); err != nil {
			return r, err
		}
	}
	r.Flops = 2 * float64(Hq) * float64(pairs) * float64(2*D)
	if err := timeAttend(c.Time, b, &r, a); err != nil || r.Skipped {
		return c.Finish(r), err
	}
	r.Notes = fmt.Sprintf("packed prefill: %d documents of %d tokens behind a shared anchor (document masks, causal); flops count the %d visible (query, key) pairs, %.0f%% of the %d×%d the call visits",
		attendPackedDocs, attendPackedLen, pairs, 100*float64(pairs)/float64(T*S), T, S) + pool.note
	return c.Finish(r), nil
}
