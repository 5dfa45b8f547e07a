package opstest

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// testKMeansErrors checks that every bad KMeansAssign call returns its
// typed error naming the argument and leaves the outputs untouched.
func testKMeansErrors(t *testing.T, b ops.Backend) {
	const S, Hk, D, N, C = 20, 2, 8, 5, 3
	k := upload(t, b, ops.BF16, randNormal(8700, S*Hk*D), S, Hk, D)
	kI32 := alloc(t, b, ops.I32, S, Hk, D)
	k2 := alloc(t, b, ops.F32, S, Hk*D)
	idx := uploadI32(t, b, []int32{0, 3, -1, 19, 4}, N)
	pbuf := uploadI32(t, b, []int32{0, 3, -1, 19, 4, 5, 6, 7, 8, 9}, 2*N) // a point list, then more
	idxBig := uploadI32(t, b, []int32{0, 3, -1, 20, 4}, N)
	idxNeg := uploadI32(t, b, []int32{0, -2, -1, 2, 4}, N)
	cent := upload(t, b, ops.F32, randNormal(8701, Hk*C*D), Hk, C, D)
	centBF := alloc(t, b, ops.BF16, Hk, C, D)
	cent3 := alloc(t, b, ops.F32, 3, C, D)
	cent0 := alloc(t, b, ops.F32, Hk, 0, D)
	centD := alloc(t, b, ops.F32, Hk, C, D+1)
	labels := uploadI32(t, b, []int32{9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, Hk, N)
	labelsF := alloc(t, b, ops.F32, Hk, N)
	labelsShort := alloc(t, b, ops.I32, Hk, N-1)
	dist := upload(t, b, ops.F32, randNormal(8702, Hk*N), Hk, N)
	distWide := alloc(t, b, ops.F32, Hk, N+1)
	sums := upload(t, b, ops.F32, randNormal(8703, Hk*C*D), Hk, C, D)
	sumsShort := alloc(t, b, ops.F32, Hk, C-1, D)
	counts := uploadI32(t, b, []int32{7, 7, 7, 7, 7, 7}, Hk, C)
	countsF := alloc(t, b, ops.F32, Hk, C)
	defer free(b, k, kI32, k2, idx, pbuf, idxBig, idxNeg, cent, centBF, cent3, cent0, centD, labels, labelsF, labelsShort,
		dist, distWide, sums, sumsShort, counts, countsF)
	snap := takeSnapshot(t, b, labels, dist, sums, counts)
	with := func(edit func(a *ops.KMeansAssignArgs)) func() error {
		return func() error {
			a := &ops.KMeansAssignArgs{K: k, Points: ops.Selection{Indices: idx}, Normalize: true, Centroids: cent,
				Labels: labels, Dist: dist, Sums: sums, Counts: counts}
			edit(a)
			return b.KMeansAssign(a)
		}
	}
	for _, ec := range []struct {
		name     string
		sentinel error
		arg      string
		call     func() error
	}{
		{"k dtype", ops.ErrDType, "k.dtype", with(func(a *ops.KMeansAssignArgs) { a.K = kI32 })},
		{"k rank", ops.ErrShape, "k.shape", with(func(a *ops.KMeansAssignArgs) { a.K = k2 })},
		{"k foreign", ops.ErrBuffer, "k.mem", with(func(a *ops.KMeansAssignArgs) { a.K = foreign(ops.BF16, S, Hk, D) })},
		{"index ≥ S", ops.ErrRange, "points.indices[3]", with(func(a *ops.KMeansAssignArgs) { a.Points.Indices = idxBig })},
		{"index < -1", ops.ErrRange, "points.indices[1]", with(func(a *ops.KMeansAssignArgs) { a.Points.Indices = idxNeg })},
		{"granularity", ops.ErrConfig, "points.granularity", with(func(a *ops.KMeansAssignArgs) { a.Points.Granularity = ops.PerKVHead })},
		{"range end", ops.ErrRange, "points.end", with(func(a *ops.KMeansAssignArgs) { a.Points = ops.Selection{End: S + 1} })},
		{"range start", ops.ErrRange, "points.start", with(func(a *ops.KMeansAssignArgs) { a.Points = ops.Selection{Start: 6, End: 5} })},
		{"centroids dtype", ops.ErrDType, "centroids.dtype", with(func(a *ops.KMeansAssignArgs) { a.Centroids = centBF })},
		{"centroids heads", ops.ErrShape, "centroids.shape[0]", with(func(a *ops.KMeansAssignArgs) { a.Centroids = cent3 })},
		{"no centroid", ops.ErrShape, "centroids.shape[1]", with(func(a *ops.KMeansAssignArgs) { a.Centroids = cent0 })},
		{"centroids dim", ops.ErrShape, "centroids.shape[2]", with(func(a *ops.KMeansAssignArgs) { a.Centroids = centD })},
		{"labels dtype", ops.ErrDType, "labels.dtype", with(func(a *ops.KMeansAssignArgs) { a.Labels = labelsF })},
		{"labels width", ops.ErrShape, "labels.shape[1]", with(func(a *ops.KMeansAssignArgs) { a.Labels = labelsShort })},
		{"labels missing", ops.ErrShape, "labels", with(func(a *ops.KMeansAssignArgs) { a.Labels = nil })},
		{"dist width", ops.ErrShape, "dist.shape[1]", with(func(a *ops.KMeansAssignArgs) { a.Dist = distWide })},
		{"sums without counts", ops.ErrShape, "counts", with(func(a *ops.KMeansAssignArgs) { a.Counts = nil })},
		{"counts without sums", ops.ErrShape, "sums", with(func(a *ops.KMeansAssignArgs) { a.Sums = nil })},
		{"sums shape", ops.ErrShape, "sums.shape[1]", with(func(a *ops.KMeansAssignArgs) { a.Sums = sumsShort })},
		{"counts dtype", ops.ErrDType, "counts.dtype", with(func(a *ops.KMeansAssignArgs) { a.Counts = countsF })},
		{"labels over the indices", ops.ErrBuffer, "labels", with(func(a *ops.KMeansAssignArgs) {
			a.Points.Indices, a.Labels = pbuf.Sub(0, []int{N}, 0), pbuf.Sub(0, []int{Hk, N}, 0)
		})},
		{"dist over the centroids", ops.ErrBuffer, "dist", with(func(a *ops.KMeansAssignArgs) { a.Dist = cent.Sub(3, []int{Hk, N}, 0) })},
		{"counts over the labels", ops.ErrBuffer, "counts", with(func(a *ops.KMeansAssignArgs) { a.Counts = labels.Sub(1, []int{Hk, C}, 0) })},
	} {
		checkArg(t, ec.call(), ec.sentinel, ec.arg)
		snap.unchanged(t, b, "kmeans "+ec.name)
	}
	if err := b.KMeansAssign(nil); !isErr(err, ops.ErrShape) {
		t.Errorf("KMeansAssign(nil) = %v, want ErrShape", err)
	}
}
