package precision_test

import (
	"fmt"

	"github.com/rotorkernels/rotor/precision"
)

// The float64 reference of one query head over two keys, the second
// listed twice (each occurrence counts as a key), and the merge of two
// halves of that key set.
func ExampleRefAttention() {
	res := precision.RefAttention(&precision.RefAttentionArgs{
		Tq: 1, Hq: 1, Hk: 1, S: 2, D: 1, Dv: 1, Scale: 1,
		Q: []float64{1}, K: []float64{0, 1}, V: []float64{10, 20},
		Indices: []int32{0, 1, 1}, W: 3,
	})
	fmt.Printf("o = %.4f, lse = %.4f\n", res.O[0], res.LSE[0])

	o, lse := precision.RefMerge([]float64{10}, []float64{0}, []float64{20}, []float64{1}, 1)
	fmt.Printf("merged o = %.4f, lse = %.4f\n", o[0], lse[0])
	// Output:
	// o = 18.4464, lse = 1.8620
	// merged o = 17.3106, lse = 1.3133
}
