package sparse

import (
	"slices"
	"testing"
)

// blobs returns n points in k well-separated blobs (centres 10 apart,
// noise 0.1) and each point's blob.
func blobs(seed uint64, n, d, k int) ([]float32, []int) {
	r := newRand(seed)
	centres := make([]float32, k*d)
	for i := range centres {
		centres[i] = float32(10 * r.NormFloat64())
	}
	x := make([]float32, n*d)
	truth := make([]int, n)
	for i := range n {
		truth[i] = r.IntN(k)
		for j := range d {
			x[i*d+j] = centres[truth[i]*d+j] + float32(0.1*r.NormFloat64())
		}
	}
	return x, truth
}

// TestKMeansRecoversBlobs: with blobs far apart relative to their spread,
// k-means++ + Lloyd must recover the partition exactly (up to renaming).
func TestKMeansRecoversBlobs(t *testing.T) {
	for seed := range uint64(10) {
		x, truth := blobs(seed, 2000, 8, 12)
		labels, iters := kmeans(x, 2000, 8, 12, seed, 100)
		name := map[int]int32{}
		used := map[int32]bool{}
		for i, l := range labels {
			if w, ok := name[truth[i]]; ok {
				if w != l {
					t.Fatalf("seed %d: blob %d split between clusters %d and %d", seed, truth[i], w, l)
				}
				continue
			}
			if used[l] {
				t.Fatalf("seed %d: cluster %d merges two blobs", seed, l)
			}
			name[truth[i]], used[l] = l, true
		}
		if iters >= 100 {
			t.Fatalf("seed %d: no convergence in %d rounds", seed, iters)
		}
	}
}

func TestKMeansDeterministic(t *testing.T) {
	x := gaussian(newRand(5), 3000*16)
	a, ia := kmeans(x, 3000, 16, 40, 9, 30)
	b, ib := kmeans(x, 3000, 16, 40, 9, 30)
	if !slices.Equal(a, b) || ia != ib {
		t.Fatal("equal inputs and seeds gave different clusterings")
	}
	c, _ := kmeans(x, 3000, 16, 40, 10, 30)
	if slices.Equal(a, c) {
		t.Fatal("different seeds gave the same clustering of random data")
	}
}

// TestKMeansLloydInvariant: after convergence every point is assigned to
// its nearest centroid, where centroids are the means of their points.
func TestKMeansLloydInvariant(t *testing.T) {
	const n, d, k = 1500, 6, 25
	x := gaussian(newRand(6), n*d)
	labels, iters := kmeans(x, n, d, k, 1, 500)
	if iters >= 500 {
		t.Fatalf("no convergence in %d rounds", iters)
	}
	c := make([]float32, k*d)
	cnt := make([]int, k)
	sum := make([]float64, k*d)
	for i, l := range labels {
		cnt[l]++
		for j := range d {
			sum[int(l)*d+j] += float64(x[i*d+j])
		}
	}
	for l := range k {
		if cnt[l] == 0 {
			t.Fatalf("cluster %d is empty", l)
		}
		for j := range d {
			c[l*d+j] = float32(sum[l*d+j] * (1 / float64(cnt[l])))
		}
	}
	for i, l := range labels {
		want, dd := nearest(x[i*d:(i+1)*d], c, k, d)
		if want != l && dd < sqDist(x[i*d:(i+1)*d], c[int(l)*d:(int(l)+1)*d])*(1-1e-6) {
			t.Fatalf("point %d in cluster %d, nearer to %d", i, l, want)
		}
	}
}

// TestKMeansDuplicates: more clusters than distinct points leaves no
// cluster empty-handed by crashing; every label stays in range.
func TestKMeansDuplicates(t *testing.T) {
	x := make([]float32, 50*3)
	for i := range 50 {
		x[i*3] = float32(i % 3)
	}
	labels, _ := kmeans(x, 50, 3, 10, 2, 20)
	for _, l := range labels {
		if l < 0 || l >= 10 {
			t.Fatalf("label %d out of range", l)
		}
	}
}
