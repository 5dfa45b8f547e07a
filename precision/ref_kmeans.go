package precision

import "math"

// RefKMeansResult holds RefKMeansAssign's outputs for one kv head.
type RefKMeansResult struct {
	// Labels [n]: the nearest centroid of each point, -1 for padding and
	// non-finite points.
	Labels []int32
	// Dist [n]: float32(KMeansDist) to that centroid; NaN for a
	// non-finite point, +Inf for padding.
	Dist []float32
	// Sums [c·d] and Counts [c]: each cluster's sum of points and size.
	Sums   []float32
	Counts []int32
}

// RefKMeansAssign computes ops.Backend.KMeansAssign for one kv head by
// its definition, by brute force: points are the rows x[i] (d elements;
// a nil row is padding) made into KMeansPoint(x[i], normalize), and each
// takes the first of the c centroids (cent, c·d elements) with the least
// KMeansDist. A centroid with a non-finite element leaves every point
// unlabelled (-1, distance NaN). Sums are exact fixed-point sums with the
// shift KMeansSumShift(len(x), m), m the largest |y_j| of a finite point
// (1 when normalized: every |y_j| < 2), converted by KMeansFixedValue.
func RefKMeansAssign(x [][]float32, d int, normalize bool, cent []float32, c int) *RefKMeansResult {
	n := len(x)
	r := &RefKMeansResult{Labels: make([]int32, n), Dist: make([]float32, n), Sums: make([]float32, c*d), Counts: make([]int32, c)}
	poisoned := false
	for _, v := range cent[:c*d] {
		poisoned = poisoned || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0)
	}
	ys := make([][]float32, n)
	var maxAbs float32
	for i, row := range x {
		r.Labels[i] = -1
		if row == nil {
			r.Dist[i] = float32(math.Inf(1))
			continue
		}
		y := make([]float32, d)
		if _, ok := KMeansPoint(y, row[:d], normalize); !ok {
			r.Dist[i] = float32(math.NaN())
			continue
		}
		if normalize {
			maxAbs = 1
		} else {
			for _, v := range y {
				maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
			}
		}
		if poisoned {
			r.Dist[i] = float32(math.NaN())
			continue
		}
		best, bd := 0, math.Inf(1)
		for k := range c {
			if dd := KMeansDist(y, cent[k*d:(k+1)*d]); dd < bd {
				best, bd = k, dd
			}
		}
		r.Labels[i], r.Dist[i], ys[i] = int32(best), float32(bd), y
	}
	q := KMeansSumShift(n, maxAbs)
	scale := KMeansFixedScale(q)
	sums := make([]int64, c*d)
	for i, y := range ys {
		if y == nil {
			continue
		}
		l := int(r.Labels[i])
		r.Counts[l]++
		for j, v := range y {
			sums[l*d+j] += KMeansFixed(v, scale)
		}
	}
	for i, s := range sums {
		r.Sums[i] = KMeansFixedValue(s, q)
	}
	return r
}
