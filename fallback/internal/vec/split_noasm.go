//go:build purego || !amd64

package vec

// Pair-split order is the natural order here (pairBlock is 0 for the
// plain-Go loops), so the pair-split kernels are the plain ones.

func dotsGatherBF16Split(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, 0)
}
func dotsGatherBF16SplitAt(_ int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, 0)
}
func accumulateBF16Split(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16Generic(acc, dv, p, pstride, v, offs, 0)
}
func accumulateBF16SplitAt(_ int, acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16Generic(acc, dv, p, pstride, v, offs, 0)
}
