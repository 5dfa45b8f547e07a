//go:build !purego

package vec

func minBlock(x []float32, xstride, nk, col int, m1, m2 []float32, i1 []int32) {
	minBlockAt(level, x, xstride, nk, col, m1, m2, i1)
}

// minBlockAt runs level l's kernel over the columns up to a multiple of
// its vector width, then the plain-Go loop over the rest (later columns,
// so the fold order is kept).
func minBlockAt(l int, x []float32, xstride, nk, col int, m1, m2 []float32, i1 []int32) {
	n := 0
	if l != levelGeneric {
		n = nk &^ (vecLanes(l) - 1)
		if n > 0 {
			if l == levelAVX512 {
				minBlockAVX512(x, xstride, n, col, m1, m2, i1)
			} else {
				minBlockAVX2(x, xstride, n, col, m1, m2, i1)
			}
		}
	}
	if n < nk {
		minBlockGeneric(x, xstride, nk, col, n, m1, m2, i1)
	}
}
