package cuda

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestFakeKMeans runs KMeansAssign through the backend on the simulated
// device: the point list is checked on the device first (a bad index
// names its element and launches nothing else), a valid call launches
// the five kmeans kernels with parameter lists of the planner's table
// and opts the screen in to its dynamic shared memory, an empty point
// set without sums launches nothing, and a head dimension above 256 is
// ErrUnsupported.
func TestFakeKMeans(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	const S, Hk, C = 40, 2, 5
	alloc := func(dt ops.DType, shape ...int) *ops.Tensor {
		x, err := b.Alloc(dt, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	idx := alloc(ops.I32, 6)
	launched := func() []string {
		var names []string
		for _, l := range g.launches {
			names = append(names, strings.Fields(l)[0])
		}
		g.launches = nil
		return names
	}
	for _, D := range []int{128, 256} {
		k := alloc(ops.BF16, S, Hk, D)
		a := &ops.KMeansAssignArgs{K: k, Points: ops.Selection{Indices: idx}, Normalize: true,
			Centroids: alloc(ops.F32, Hk, C, D), Labels: alloc(ops.I32, Hk, 6), Dist: alloc(ops.F32, Hk, 6),
			Sums: alloc(ops.F32, Hk, C, D), Counts: alloc(ops.I32, Hk, C)}
		if err := b.Write(idx, ops.Bytes([]int32{0, 3, -1, 39, 40, 2})); err != nil {
			t.Fatal(err)
		}
		launched()
		err := b.KMeansAssign(a)
		var ae *ops.ArgError
		if !errors.As(err, &ae) || ae.Kind != ops.ErrRange || ae.Arg != "points.indices[4]" || ae.Value != int32(40) {
			t.Fatalf("D=%d: index 40 of 40 slots: %v, want ErrRange naming points.indices[4] = 40", D, err)
		}
		if l := launched(); len(l) != 1 || !strings.HasPrefix(l[0], "validate") {
			t.Fatalf("D=%d: a rejected call launched %v", D, l)
		}
		if err := b.Write(idx, ops.Bytes([]int32{0, 3, -1, 39, 7, 2})); err != nil {
			t.Fatal(err)
		}
		before := g.unemulated
		if err := b.KMeansAssign(a); err != nil {
			t.Fatalf("D=%d: %v", D, err)
		}
		want := []string{"validate", "kmeans_init", "kmeans_prep", "kmeans_screen", "kmeans_resolve", "kmeans_sums"}
		if l := launched(); !slices.Equal(l, want) {
			t.Fatalf("D=%d: launches %v, want %v", D, l, want)
		}
		if g.unemulated-before != 5 {
			t.Fatalf("D=%d: %d kmeans launches reached the device", D, g.unemulated-before)
		}
		a.Points, a.Labels, a.Dist, a.Sums, a.Counts = ops.Selection{Start: 3, End: 3}, alloc(ops.I32, Hk, 0), nil, nil, nil
		if err := b.KMeansAssign(a); err != nil {
			t.Fatalf("D=%d, no points: %v", D, err)
		}
		if l := launched(); len(l) != 0 {
			t.Fatalf("D=%d: no points and no sums launched %v", D, l)
		}
	}
	big := alloc(ops.F32, S, 1, 264)
	err := b.KMeansAssign(&ops.KMeansAssignArgs{K: big, Centroids: alloc(ops.F32, 1, C, 264), Labels: alloc(ops.I32, 1, S)})
	var ae *ops.ArgError
	if !errors.Is(err, ops.ErrUnsupported) || !errors.As(err, &ae) || ae.Arg != "k.shape[2]" {
		t.Fatalf("head dimension 264: %v, want ErrUnsupported naming k.shape[2]", err)
	}
}
