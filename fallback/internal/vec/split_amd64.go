//go:build !purego

package vec

func dotsGatherBF16Split(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16SplitAt(level, x, xstride, q, d, scale, k, offs)
}

func accumulateBF16Split(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16SplitAt(level, acc, dv, p, pstride, v, offs)
}

// dotsGatherBF16SplitAt runs level l's pair-split kernels over the
// columns of whole blocks and the plain-Go loop over the rest (natural
// order), as dotsGatherBF16At does.
func dotsGatherBF16SplitAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16Kernels(l, true, x, xstride, q, d, scale, k, offs)
}

// accumulateBF16SplitAt runs level l's pair-split kernels over the
// columns of whole blocks and the plain-Go loop over the rest (natural
// order), as accumulateBF16At does.
func accumulateBF16SplitAt(l int, acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16Kernels(l, true, acc, dv, p, pstride, v, offs)
}
