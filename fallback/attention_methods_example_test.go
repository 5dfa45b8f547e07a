package fallback_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Dual Chunk Attention in one call: chunks of 6 positions (chunk size 8,
// local size 2). The query at position 20 meets each key with the query
// rotation of the key's chunk distance, so the encoded distance never
// exceeds 8; here every key and the query point the same way along one
// rotary pair of inverse frequency 1, so each logit is cos(distance)/√2.
func ExampleBackend_Attention_dualChunk() {
	ch := ops.DualChunk{ChunkSize: 8, LocalSize: 2}
	for _, j := range []int32{19, 13, 5} {
		c := ch.Class(20, j)
		fmt.Printf("key at %2d: class %d, query rotated at %d, key at %d\n", j, c, ch.QueryPos(20, c), ch.KeyPos(j))
	}

	const S = 21 // keys at positions 0…20, values equal to their positions
	rot, err := ops.DefaultRoPE(2, 10000)
	if err != nil {
		fmt.Println(err)
		return
	}
	keys, vals, kpos := make([]float32, 2*S), make([]float32, S), make([]int32, S)
	for s := range S {
		keys[2*s], vals[s], kpos[s] = 1, float32(s), int32(s)
	}
	o, lse := make([]float32, 1), make([]float32, 1)
	err = fallback.New().Attention(&ops.AttentionArgs{
		Q: fallback.WrapF32([]float32{1, 0}, 1, 1, 2),
		K: fallback.WrapF32(keys, S, 1, 2), V: fallback.WrapF32(vals, S, 1, 1),
		QPos: fallback.WrapI32([]int32{20}, 1), KPos: fallback.WrapI32(kpos, S),
		RoPE: &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ch},
		O:    fallback.WrapF32(o, 1, 1, 1), LSE: fallback.WrapF32(lse, 1, 1),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("o = %.4f, lse = %.4f\n", o[0], lse[0])
	// Output:
	// key at 19: class 0, query rotated at 2, key at 1
	// key at 13: class 1, query rotated at 8, key at 1
	// key at  5: class 2, query rotated at 8, key at 5
	// o = 9.9703, lse = 3.2196
}

// Two documents packed into one sequence behind a shared anchor (slot 0,
// document -1, as in AnchorAttention), with causal positions: each query
// sees the anchor and its own document's earlier keys. All logits are 0,
// so each output is the mean of the visible values (the slot numbers).
func ExampleBackend_Attention_documents() {
	kdoc := []int32{-1, 0, 0, 1, 1}
	kpos := []int32{0, 1, 2, 3, 4}
	o, lse := make([]float32, 2), make([]float32, 2)
	err := fallback.New().Attention(&ops.AttentionArgs{
		Q: fallback.WrapF32([]float32{1, 1}, 2, 1, 1),
		K: fallback.WrapF32(make([]float32, 5), 5, 1, 1),
		V: fallback.WrapF32([]float32{0, 1, 2, 3, 4}, 5, 1, 1),
		// query 0 ends document 0 (position 2), query 1 ends document 1
		QDoc: fallback.WrapI32([]int32{0, 1}, 2), KDoc: fallback.WrapI32(kdoc, 5),
		QPos: fallback.WrapI32([]int32{2, 4}, 2), KPos: fallback.WrapI32(kpos, 5),
		O: fallback.WrapF32(o, 2, 1, 1), LSE: fallback.WrapF32(lse, 2, 1),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("document 0: o = %.4f (slots 0, 1, 2), lse = %.4f\n", o[0], lse[0])
	fmt.Printf("document 1: o = %.4f (slots 0, 3, 4), lse = %.4f\n", o[1], lse[1])
	// Output:
	// document 0: o = 1.0000 (slots 0, 1, 2), lse = 1.0986
	// document 1: o = 2.3333 (slots 0, 3, 4), lse = 1.0986
}

// Log-n scaling with training length 16: the logits of a query at
// position 15 are unchanged, at position 255 they are doubled
// (log_16 256 = 2), which sharpens the softmax over two keys with logits
// 1 and 0 (values 1 and 0).
func ExampleBackend_Attention_logN() {
	for _, p := range []int32{15, 255} {
		o := make([]float32, 1)
		err := fallback.New().Attention(&ops.AttentionArgs{
			Q: fallback.WrapF32([]float32{1}, 1, 1, 1), Scale: 1,
			K: fallback.WrapF32([]float32{1, 0}, 2, 1, 1), V: fallback.WrapF32([]float32{1, 0}, 2, 1, 1),
			QPos: fallback.WrapI32([]int32{p}, 1), KPos: fallback.WrapI32([]int32{0, 1}, 2),
			LogN: 16, O: fallback.WrapF32(o, 1, 1, 1),
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("position %3d: scale %.1f, o = %.4f\n", p, ops.LogNScale(p, 16), o[0])
	}
	// Output:
	// position  15: scale 1.0, o = 0.7311
	// position 255: scale 2.0, o = 0.8808
}
