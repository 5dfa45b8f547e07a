package cuda

import (
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// KMeansAssign is one Lloyd step of k-means per kv head (kmeans_init,
// kmeans_prep, kmeans_screen, kmeans_resolve, kmeans_sums). Point indices
// are checked on the device first.
func (b *Backend) KMeansAssign(a *ops.KMeansAssignArgs) error {
	if err := ops.CheckKMeansAssign(a, Name); err != nil {
		return err
	}
	var cs []valueCheck
	if a.Points.Indices != nil {
		// The kernels treat an index outside [-1, S) as padding.
		cs = []valueCheck{{arg: "points.indices", t: a.Points.Indices, rule: ruleIndices, slots: a.K.Shape[0], tolerated: true}}
	}
	return b.run(cs, func() ([]kernels.Launch, error) { return kernels.PlanKMeansAssign(a, b.mem(), b.kdev) })
}
