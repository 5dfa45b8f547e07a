package fallback_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Attention of one query token with two heads over slots 2 and 0 of a
// four-slot pool (the third entry of the selection row is padding).
func ExampleBackend_Attention() {
	b := fallback.New()
	q := fallback.WrapF32([]float32{1, 0, 0, 1}, 1, 2, 2) // [Tq=1, Hq=2, D=2]
	k := fallback.WrapF32([]float32{1, 0, 5, 5, 0, 1, 2, 2}, 4, 1, 2)
	v := fallback.WrapF32([]float32{1, 0, 9, 9, 0, 1, 9, 9}, 4, 1, 2)
	sel := fallback.WrapI32([]int32{2, 0, -1}, 3) // one row for every head
	out := make([]float32, 4)
	lse := make([]float32, 2)
	err := b.Attention(&ops.AttentionArgs{
		Q: q, K: k, V: v, Scale: 1,
		Sel: ops.Selection{Indices: sel, Granularity: ops.PerRequest},
		O:   fallback.WrapF32(out, 1, 2, 2), LSE: fallback.WrapF32(lse, 1, 2),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("head 0: o = [%.4f %.4f], lse = %.4f\n", out[0], out[1], lse[0])
	fmt.Printf("head 1: o = [%.4f %.4f], lse = %.4f\n", out[2], out[3], lse[1])
	// Output:
	// head 0: o = [0.7311 0.2689], lse = 1.3133
	// head 1: o = [0.2689 0.7311], lse = 1.3133
}

// Attention over slot 2 and over slot 0 separately, merged: the same
// result as attention over both.
func ExampleBackend_Merge() {
	b := fallback.New()
	q := fallback.WrapF32([]float32{1, 0}, 1, 1, 2)
	k := fallback.WrapF32([]float32{1, 0, 5, 5, 0, 1}, 3, 1, 2)
	v := fallback.WrapF32([]float32{1, 0, 9, 9, 0, 1}, 3, 1, 2)
	o1, l1 := make([]float32, 2), make([]float32, 1)
	o2, l2 := make([]float32, 2), make([]float32, 1)
	for _, part := range []struct {
		slot  int32
		o, lc []float32
	}{{2, o1, l1}, {0, o2, l2}} {
		err := b.Attention(&ops.AttentionArgs{Q: q, K: k, V: v, Scale: 1,
			Sel: ops.Selection{Indices: fallback.WrapI32([]int32{part.slot}, 1)},
			O:   fallback.WrapF32(part.o, 1, 1, 2), LSE: fallback.WrapF32(part.lc, 1, 1)})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	o, l := make([]float32, 2), make([]float32, 1)
	err := b.Merge(&ops.MergeArgs{
		O1: fallback.WrapF32(o1, 1, 1, 2), LSE1: fallback.WrapF32(l1, 1, 1),
		O2: fallback.WrapF32(o2, 1, 1, 2), LSE2: fallback.WrapF32(l2, 1, 1),
		O: fallback.WrapF32(o, 1, 1, 2), LSE: fallback.WrapF32(l, 1, 1),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("parts: lse %.4f and %.4f\n", l1[0], l2[0])
	fmt.Printf("merged: o = [%.4f %.4f], lse = %.4f\n", o[0], o[1], l[0])
	// Output:
	// parts: lse 0.0000 and 1.0000
	// merged: o = [0.7311 0.2689], lse = 1.3133
}
