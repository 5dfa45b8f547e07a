//go:build !purego

package vec

func minBlock(x []float32, xstride, nk, col int, m1, m2 []float32, i1 []int32) {
	minBlockAt(level, x, xstride, nk, col, m1, m2, i1)
}

// minBlockAt runs the plain-Go loop (the assembly kernels come with the
// generator).
func minBlockAt(_ int, x []float32, xstride, nk, col int, m1, m2 []float32, i1 []int32) {
	minBlockGeneric(x, xstride, nk, col, 0, m1, m2, i1)
}
