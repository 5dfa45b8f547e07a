package sparse

import (
	"math"
	"math/rand/v2"
)

// kmeans clusters the n rows of x (row-major, dimension d) into k
// clusters with Lloyd's algorithm seeded by k-means++ (Arthur and
// Vassilvitskii, "k-means++: The Advantages of Careful Seeding"), drawn
// from a PCG stream keyed by seed. It stops when no assignment changes or
// after maxIter rounds and returns each row's cluster and the number of
// rounds run. Everything is sequential and deterministic: equal inputs
// give equal outputs on every machine. Distances are squared Euclidean in
// float64; ties go to the lower cluster. A cluster left empty takes the
// row farthest from its centroid.
func kmeans(x []float32, n, d, k int, seed uint64, maxIter int) (labels []int32, iters int) {
	c := seedPlusPlus(x, n, d, k, rand.New(rand.NewPCG(seed, 0x5eedc1a57e25)))
	labels = make([]int32, n)
	for i := range labels {
		labels[i] = -1
	}
	dist := make([]float64, n)
	sum := make([]float64, k*d)
	cnt := make([]int, k)
	for iters = 1; iters <= maxIter; iters++ {
		changed := 0
		for i := range n {
			l, dd := nearest(x[i*d:(i+1)*d], c, k, d)
			if l != labels[i] {
				changed++
				labels[i] = l
			}
			dist[i] = dd
		}
		if changed == 0 {
			break
		}
		clear(sum)
		clear(cnt)
		for i := range n {
			l := int(labels[i])
			cnt[l]++
			row, s := x[i*d:(i+1)*d], sum[l*d:(l+1)*d]
			for j, v := range row {
				s[j] += float64(v)
			}
		}
		for l := range k {
			if cnt[l] == 0 {
				// Re-seed an empty cluster at the worst-served row.
				far := 0
				for i := 1; i < n; i++ {
					if dist[i] > dist[far] {
						far = i
					}
				}
				dist[far] = 0
				copy(c[l*d:(l+1)*d], x[far*d:(far+1)*d])
				continue
			}
			inv := 1 / float64(cnt[l])
			for j := range d {
				c[l*d+j] = float32(sum[l*d+j] * inv)
			}
		}
	}
	return labels, min(iters, maxIter)
}

// seedPlusPlus picks k initial centroids: the first uniformly, each next
// one with probability proportional to the squared distance to the
// nearest centroid already picked.
func seedPlusPlus(x []float32, n, d, k int, r *rand.Rand) []float32 {
	c := make([]float32, k*d)
	first := r.IntN(n)
	copy(c[:d], x[first*d:(first+1)*d])
	best := make([]float64, n)
	total := 0.0
	for i := range n {
		best[i] = sqDist(x[i*d:(i+1)*d], c[:d])
		total += best[i]
	}
	for m := 1; m < k; m++ {
		pick := n - 1
		if total > 0 {
			u := r.Float64() * total
			for i := range n {
				if u -= best[i]; u < 0 {
					pick = i
					break
				}
			}
		} else {
			pick = r.IntN(n) // every row coincides with a centroid
		}
		cm := c[m*d : (m+1)*d]
		copy(cm, x[pick*d:(pick+1)*d])
		total = 0
		for i := range n {
			best[i] = math.Min(best[i], sqDist(x[i*d:(i+1)*d], cm))
			total += best[i]
		}
	}
	return c
}

// nearest returns the centroid closest to row and the squared distance.
func nearest(row, c []float32, k, d int) (int32, float64) {
	bl, bd := int32(0), math.Inf(1)
	for l := range k {
		if dd := sqDist(row, c[l*d:(l+1)*d]); dd < bd {
			bl, bd = int32(l), dd
		}
	}
	return bl, bd
}

// sqDist returns Σ (a_j − b_j)², accumulated in float64.
func sqDist(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	j := 0
	for ; j+1 < len(a); j += 2 {
		e0 := float64(a[j]) - float64(b[j])
		e1 := float64(a[j+1]) - float64(b[j+1])
		s0 += e0 * e0
		s1 += e1 * e1
	}
	if j < len(a) {
		e := float64(a[j]) - float64(b[j])
		s0 += e * e
	}
	return s0 + s1
}
