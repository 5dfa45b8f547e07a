package sparse

import (
	"math"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// blobs returns the keys [n, hk, d] of n tokens whose keys, per kv head,
// lie in k well-separated blobs (centres 10 apart, noise 0.1), and each
// token's blob per head.
func blobs(seed uint64, n, hk, d, k int) ([]float32, [][]int) {
	r := newRand(seed)
	x := make([]float32, n*hk*d)
	truth := make([][]int, hk)
	for h := range hk {
		centres := make([]float32, k*d)
		for i := range centres {
			centres[i] = float32(10 * r.NormFloat64())
		}
		truth[h] = make([]int, n)
		for i := range n {
			truth[h][i] = r.IntN(k)
			for j := range d {
				x[(i*hk+h)*d+j] = centres[truth[h][i]*d+j] + float32(0.1*r.NormFloat64())
			}
		}
	}
	return x, truth
}

// cluster runs the clustering of the keys x [n, hk, d] on b.
func cluster(t *testing.T, b ops.Backend, x []float32, n, hk, d, c int, seed uint64, maxIter int) ([][]int32, [][][]float32, []int) {
	t.Helper()
	ctx := Context{K: fallback.WrapF32(x, n, hk, d), Len: n}
	slots, err := ctx.hostSlots(b, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	k, err := newClustering(b, &ctx, slots, hk, d, n, c)
	if err != nil {
		t.Fatal(err)
	}
	defer k.free()
	labels, cent, iters, err := k.run(seed, maxIter)
	if err != nil {
		t.Fatal(err)
	}
	return labels, cent, iters
}

// TestKMeansRecoversBlobs: with blobs far apart relative to their spread,
// k-means++ and Lloyd must recover every head's partition exactly (up to
// renaming).
func TestKMeansRecoversBlobs(t *testing.T) {
	b := fallback.New()
	for seed := range uint64(6) {
		x, truth := blobs(seed, 2000, 2, 8, 12)
		labels, _, iters := cluster(t, b, x, 2000, 2, 8, 12, seed, 100)
		for h := range 2 {
			name := map[int]int32{}
			used := map[int32]bool{}
			for i, l := range labels[h] {
				if w, ok := name[truth[h][i]]; ok {
					if w != l {
						t.Fatalf("seed %d head %d: blob %d split between clusters %d and %d", seed, h, truth[h][i], w, l)
					}
					continue
				}
				if used[l] {
					t.Fatalf("seed %d head %d: cluster %d merges two blobs", seed, h, l)
				}
				name[truth[h][i]], used[l] = l, true
			}
			if iters[h] >= 100 {
				t.Fatalf("seed %d head %d: no convergence in %d rounds", seed, h, iters[h])
			}
		}
	}
}

// TestKMeansDeterministic: equal seeds give equal clusterings, on every
// SIMD level of the fallback; different seeds differ.
func TestKMeansDeterministic(t *testing.T) {
	x := gaussian(newRand(5), 3000*2*16)
	b := fallback.New()
	a, _, ia := cluster(t, b, x, 3000, 2, 16, 40, 9, 30)
	for _, lvl := range []string{"purego", "avx2"} {
		restore, err := b.LimitSIMD(lvl)
		if err != nil {
			t.Fatal(err)
		}
		c, _, ic := cluster(t, b, x, 3000, 2, 16, 40, 9, 30)
		restore()
		for h := range a {
			if !slices.Equal(a[h], c[h]) || ia[h] != ic[h] {
				t.Fatalf("head %d: the clustering limited to %s differs", h, lvl)
			}
		}
	}
	c, _, _ := cluster(t, b, x, 3000, 2, 16, 40, 10, 30)
	if slices.Equal(a[0], c[0]) {
		t.Fatal("different seeds gave the same clustering of random data")
	}
}

// TestKMeansLloydInvariant: at convergence every point is labelled with
// its nearest centroid and every centroid is the mean of its cluster's
// points, exactly as precision's reference computes them.
func TestKMeansLloydInvariant(t *testing.T) {
	const n, hk, d, c = 1500, 2, 6, 25
	x := gaussian(newRand(6), n*hk*d)
	labels, cent, iters := cluster(t, fallback.New(), x, n, hk, d, c, 1, 500)
	for h := range hk {
		if iters[h] >= 500 {
			t.Fatalf("head %d: no convergence in %d rounds", h, iters[h])
		}
		rows := make([][]float32, n)
		for i := range rows {
			rows[i] = x[(i*hk+h)*d : (i*hk+h+1)*d]
		}
		flat := slices.Concat(cent[h]...)
		ref := precision.RefKMeansAssign(rows, d, true, flat, c)
		if !slices.Equal(ref.Labels, labels[h]) {
			t.Fatalf("head %d: labels are not the nearest centroids of the final centroids", h)
		}
		for l := range c {
			if ref.Counts[l] == 0 {
				t.Fatalf("head %d: cluster %d is empty", h, l)
			}
			for j := range d {
				if want := float32(float64(ref.Sums[l*d+j]) / float64(ref.Counts[l])); cent[h][l][j] != want {
					t.Fatalf("head %d cluster %d: centroid %v, mean %v", h, l, cent[h][l][j], want)
				}
			}
		}
	}
}

// TestKMeansDuplicates: more clusters than distinct points leaves every
// label in range (empty clusters are re-seeded, not crashed on).
func TestKMeansDuplicates(t *testing.T) {
	x := make([]float32, 50*3)
	for i := range 50 {
		x[i*3] = float32(i%3) + 1
		x[i*3+1] = float32(i % 2)
	}
	labels, _, _ := cluster(t, fallback.New(), x, 50, 1, 3, 10, 2, 20)
	for _, l := range labels[0] {
		if l < 0 || l >= 10 {
			t.Fatalf("label %d out of range", l)
		}
	}
}

// TestSeedD2: a seed drawn by rejection while other seeds wait for the
// next refresh follows the exact D² distribution: over many draws, the
// frequency of each group of identical points matches its share of the
// squared distance to the nearest of all seeds so far (within five
// standard deviations).
func TestSeedD2(t *testing.T) {
	// four groups of identical points on the unit circle (as the points
	// are normalised): sizes 40, 30, 20, 10 at angles 0, 60, 150, 250°
	sizes := []int{40, 30, 20, 10}
	angles := []float64{0, 60, 150, 250}
	var x []float32
	group := []int{}
	for g, s := range sizes {
		for range s {
			a := angles[g] * math.Pi / 180
			x = append(x, float32(math.Cos(a)), float32(math.Sin(a)))
			group = append(group, g)
		}
	}
	n := len(group)
	b := fallback.New()
	ctx := Context{K: fallback.WrapF32(x, n, 1, 2), Len: n}
	slots, _ := ctx.hostSlots(b, 0, n)
	k, err := newClustering(b, &ctx, slots, 1, 2, n, 3) // one seed to draw
	if err != nil {
		t.Fatal(err)
	}
	defer k.free()
	// seeds: token 0 (group 0) refreshed, token 40 (group 1) pending
	const draws = 4000
	counts := make([]int, 4)
	for i := range draws {
		s := &headSeeds{rng: newRand(uint64(1000 + i))}
		if err := k.addSeed(s, 0, 0); err != nil {
			t.Fatal(err)
		}
		if err := k.refresh([]*headSeeds{s}, true); err != nil {
			t.Fatal(err)
		}
		if err := k.addSeed(s, 40, 0); err != nil {
			t.Fatal(err)
		}
		if err := k.drawBatch(s, 0); err != nil {
			t.Fatal(err)
		}
		counts[group[s.idx[len(s.idx)-1]]]++
	}
	d2 := func(g, h int) float64 { // squared chord between groups
		return 2 - 2*math.Cos((angles[g]-angles[h])*math.Pi/180)
	}
	w := make([]float64, 4)
	total := 0.0
	for g := range w {
		w[g] = float64(sizes[g]) * min(d2(g, 0), d2(g, 1))
		total += w[g]
	}
	for g := range w {
		p := w[g] / total
		if sd := math.Sqrt(draws * p * (1 - p)); math.Abs(float64(counts[g])-draws*p) > 5*sd+1 {
			t.Fatalf("group %d drawn %d times of %d, D² share %.4f expects %.0f ± %.0f", g, counts[g], draws, p, draws*p, sd)
		}
	}
	t.Logf("draws per group %v, D² expects %.0f %.0f %.0f %.0f", counts, draws*w[0]/total, draws*w[1]/total, draws*w[2]/total, draws*w[3]/total)
}
