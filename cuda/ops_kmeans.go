package cuda

import "github.com/rotorkernels/rotor/ops"

// KMeansAssign is one Lloyd step of k-means per kv head.
func (b *Backend) KMeansAssign(a *ops.KMeansAssignArgs) error {
	if err := ops.CheckKMeansAssign(a, Name); err != nil {
		return err
	}
	return ops.Errorf(ops.ErrUnsupported, "op", "kmeans_assign", "not yet")
}
