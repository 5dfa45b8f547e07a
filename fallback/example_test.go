package fallback_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Rotate one query head in place. With head_dim 4 and the NeoX layout the
// pairs are (0, 2), rotated by the angle pos·1, and (1, 3), rotated by
// pos·10000^(-1/2) = pos·0.01.
func ExampleBackend_RoPE() {
	b := fallback.New()
	rot, err := ops.DefaultRoPE(4, 10000)
	if err != nil {
		panic(err)
	}
	q := []float32{1, 1, 0, 0} // [tokens=1, heads=1, head_dim=4]
	pos := []int32{1}
	err = b.RoPE(&ops.RoPEArgs{
		Q:         fallback.WrapF32(q, 1, 1, 4),
		Positions: fallback.WrapI32(pos, 1),
		Rotary:    rot,
	})
	fmt.Println(err)
	fmt.Printf("%.6f\n", q)
	// Output:
	// <nil>
	// [0.540302 0.999950 0.841471 0.010000]
}

// Append one decode step to a token-slot KV cache: q is rotated in
// place, the rotated key and the value land in slot 2, and a bad slot is
// refused before anything is written.
func ExampleBackend_RoPEAppend() {
	b := fallback.New()
	rot, _ := ops.DefaultRoPE(2, 10000) // one pair per head
	q := []float32{1, 0}
	k := []float32{0, 1}
	v := []float32{7, 8}
	kc := make([]float32, 4*2) // 4 slots, 1 kv head, head_dim 2
	vc := make([]float32, 4*2)
	args := &ops.RoPEAppendArgs{
		Q: fallback.WrapF32(q, 1, 1, 2), K: fallback.WrapF32(k, 1, 1, 2), V: fallback.WrapF32(v, 1, 1, 2),
		KCache: fallback.WrapF32(kc, 4, 1, 2), VCache: fallback.WrapF32(vc, 4, 1, 2),
		Positions: fallback.WrapI32([]int32{3}, 1),
		Slots:     fallback.WrapI32([]int32{2}, 1),
		Rotary:    rot,
	}
	fmt.Println(b.RoPEAppend(args))
	fmt.Printf("q %.4f\nk cache %.4f\nv cache %v\nk %v\n", q, kc, vc, k)

	args.Slots = fallback.WrapI32([]int32{4}, 1)
	fmt.Println(b.RoPEAppend(args))
	// Output:
	// <nil>
	// q [-0.9900 0.1411]
	// k cache [0.0000 0.0000 0.0000 0.0000 -0.1411 -0.9900 0.0000 0.0000]
	// v cache [0 0 0 0 7 8 0 0]
	// k [0 1]
	// rotor: range: slots[0] = 4: want a slot in [0, 4)
}
