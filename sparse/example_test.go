package sparse_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/sparse"
)

// indices reads a selection's slots.
func indices(b ops.Backend, sel ops.Selection) []int32 {
	out := make([]int32, sel.Indices.Len())
	if err := b.Read(ops.Bytes(out), sel.Indices); err != nil {
		panic(err)
	}
	return out
}

// One query head over 16 tokens of head dimension 4 in a pool of 64
// slots: every key is zero but tokens 5 and 9, which point along the
// query.
func ExampleTokenSelect() {
	b := fallback.New()
	keys := make([]float32, 64*4)
	keys[5*4], keys[9*4] = 2, 3
	ctx := sparse.Context{K: fallback.WrapF32(keys, 64, 1, 4), Len: 16}
	q := fallback.WrapF32([]float32{1, 0, 0, 0}, 1, 4)

	ts, err := sparse.NewTokenSelect(b, sparse.TokenSelectConfig{Budget: 2, Sink: 1, Local: 2})
	if err != nil {
		panic(err)
	}
	sel, err := ts.Select(q, ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(sel.Granularity, indices(b, sel))

	// The same query one token later reuses the vote (a cache hit); only
	// the local window moves.
	ctx.Len = 17
	sel, _ = ts.Select(q, ctx)
	fmt.Println(indices(b, sel), ts.Stats())
	// Output:
	// request [0 5 9 14 15]
	// [0 5 9 15 16] {1 1}
}

// Quest keeps the pages whose keys could score highest, plus the newest.
func ExampleQuest() {
	b := fallback.New()
	keys := make([]float32, 32*2) // 32 slots, one kv head, D = 2
	keys[13*2] = 5                // slot 13 (page 3 of size 4) points along q
	ctx := sparse.Context{K: fallback.WrapF32(keys, 32, 1, 2), Len: 30}
	q := fallback.WrapF32([]float32{1, 0}, 1, 2)

	qu, err := sparse.NewQuest(b, sparse.QuestConfig{PageSize: 4, Budget: 8})
	if err != nil {
		panic(err)
	}
	sel, err := qu.Select(q, ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(sel.Granularity, indices(b, sel))
	// Output:
	// kvhead [12 13 14 15 28 29 -1 -1]
}

// Squeezed clusters a fixed context offline and keeps, per kv head, the
// clusters whose centroids the query favours.
func ExampleSqueezed() {
	b := fallback.New()
	// 12 tokens, D = 2: tokens 0-5 point along x, tokens 6-11 along y.
	keys := make([]float32, 12*2)
	for i := range 12 {
		keys[i*2+i/6] = 1 + float32(i%3)/10
	}
	ctx := sparse.Context{K: fallback.WrapF32(keys, 12, 1, 2), Len: 12}
	sq, err := sparse.NewSqueezed(b, ctx, sparse.SqueezedConfig{Clusters: 2, Budget: 6, Seed: 1})
	if err != nil {
		panic(err)
	}
	sel, err := sq.Select(fallback.WrapF32([]float32{0, 4}, 1, 2), ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(indices(b, sel))
	// Output:
	// [6 7 8 9 10 11]
}

// StreamingLLM's attention sinks and recent window, and LM-Infinite's
// distance cap for the attention op's in-op RoPE.
func ExampleLMInfinite() {
	b := fallback.New()
	ctx := sparse.Context{K: fallback.WrapF32(make([]float32, 10*4), 10, 1, 4), Len: 10}
	rot := &ops.Rotary{Type: "default", HeadDim: 4, Dim: 4, InvFreq: []float64{1, 0.01}, AttentionFactor: 1}
	l, err := sparse.NewLMInfinite(b, sparse.LMInfiniteConfig{
		WindowConfig: sparse.WindowConfig{Sink: 2, Window: 3}, Cap: 4, Rotary: rot})
	if err != nil {
		panic(err)
	}
	sel, err := l.Select(nil, ctx)
	if err != nil {
		panic(err)
	}
	r := l.KeyRoPE()
	fmt.Println(indices(b, sel), r.KeyPos == ops.KeyPosCapped, r.Cap)
	// Output:
	// [0 1 7 8 9] true 4
}

// StreamingLLM's attention sinks plus a recent window, repeated per kv
// head; a context shorter than the window is taken whole.
func ExampleWindow() {
	b := fallback.New()
	pool := fallback.WrapF32(make([]float32, 64*2*4), 64, 2, 4) // 64 slots, 2 kv heads
	w, err := sparse.NewWindow(b, sparse.WindowConfig{Sink: 1, Window: 3, Granularity: ops.PerKVHead})
	if err != nil {
		panic(err)
	}
	for _, n := range []int{20, 3} {
		sel, err := w.Select(nil, sparse.Context{K: pool, Start: 10, Len: n})
		if err != nil {
			panic(err)
		}
		fmt.Println(sel.Indices.Shape, indices(b, sel))
	}
	// Output:
	// [2 4] [10 27 28 29 10 27 28 29]
	// [2 4] [10 11 12 -1 10 11 12 -1]
}
