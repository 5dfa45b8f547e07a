package fallback_test

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// One Lloyd step over six 2-d keys of one kv head (the slots of a pool)
// and two centroids: each point's nearest centroid and squared distance,
// each cluster's sum and size. The tie of slot 1, equally far from both
// centroids, goes to the lower one; the NaN key of slot 5 is left
// unlabelled (-1) and out of the sums.
func ExampleBackend_KMeansAssign() {
	b := fallback.New()
	keys := []float32{0, 0, 1, 0, 2, 0, 4, 0, 5, 0, float32(math.NaN()), 0}
	cent := []float32{0.5, 0, 1.5, 0}
	labels, dist := make([]int32, 6), make([]float32, 6)
	sums, counts := make([]float32, 4), make([]int32, 2)
	err := b.KMeansAssign(&ops.KMeansAssignArgs{
		K:         fallback.WrapF32(keys, 6, 1, 2), // all 6 slots: the zero Points selection
		Centroids: fallback.WrapF32(cent, 1, 2, 2),
		Labels:    fallback.WrapI32(labels, 1, 6),
		Dist:      fallback.WrapF32(dist, 1, 6),
		Sums:      fallback.WrapF32(sums, 1, 2, 2),
		Counts:    fallback.WrapI32(counts, 1, 2),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("labels", labels)
	fmt.Println("dist", dist)
	fmt.Println("sums", sums, "counts", counts)
	// Output:
	// labels [0 0 1 1 1 -1]
	// dist [0.25 0.25 0.25 6.25 12.25 NaN]
	// sums [1 0 11 0] counts [2 3]
}
