package fallback_test

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// The top 3 and top 7 of one row: ties go to the lower column, the output
// is sorted ascending, NaN is never selected and missing entries are -1.
func ExampleBackend_TopK() {
	b := fallback.New()
	scores := fallback.WrapF32([]float32{0.5, float32(math.NaN()), 2, 2, -1, 7}, 1, 6)
	for _, k := range []int{3, 7} {
		out := make([]int32, k)
		if err := b.TopK(&ops.TopKArgs{Scores: scores, K: k, Out: fallback.WrapI32(out, 1, k)}); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(k, out)
	}
	// Output:
	// 3 [2 3 5]
	// 7 [0 2 3 4 5 -1 -1]
}
