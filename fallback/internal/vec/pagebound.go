package vec

// PageBounds sets x[r·xstride+i] = scale·Σ_c max(q[r·d+c]·mn[offs[i]+c],
// q[r·d+c]·mx[offs[i]+c]) for every row r < len(q)/d and page i <
// len(offs): Quest's upper bound of query row r's dot product with any
// key of page i, from the page's element-wise minima (row i of mn at
// offs[i]) and maxima (at the same offset in mx). Each product is
// rounded to float32 and their maximum is Go's max (a NaN product gives
// a NaN bound); the sum is taken in an unspecified order (within
// γ_d·Σ_c|max| of the exact sum of the maxima) from +0, then multiplied
// by scale once. It panics when a page's row or a row of x is out of
// range.
func PageBounds(x []float32, xstride int, q []float32, d int, scale float32, mn, mx []float32, offs []int) {
	if dotsGatherShape(len(x), xstride, len(q), d, min(len(mn), len(mx)), offs) {
		pageBounds(x, xstride, q[:len(q)/d*d], d, scale, mn, mx, offs)
	}
}

// pageBoundsGeneric is PageBounds over the columns c ≥ from, as
// dotsGatherGeneric: with from > 0 x holds the unscaled sums of the
// columns before from.
func pageBoundsGeneric(x []float32, xstride int, q []float32, d int, scale float32, mn, mx []float32, offs []int, from int) {
	for r := range len(q) / d {
		qr := q[r*d+from : (r+1)*d]
		for i, o := range offs {
			lo, hi := mn[o+from:o+d], mx[o+from:o+d]
			var s float32
			if from > 0 {
				s = x[r*xstride+i]
			}
			for c, v := range qr {
				s += max(v*lo[c], v*hi[c])
			}
			x[r*xstride+i] = s * scale
		}
	}
}

// finite reports whether every element of x is finite.
func finite(x []float32) bool {
	for _, v := range x {
		if v-v != 0 {
			return false
		}
	}
	return true
}
