//go:build purego || !amd64

package vec

func dotsT(x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride, nk int) {
	dotsTGeneric(x, xstride, q, d, scale, kt, ktstride, nk, 0)
}

func dotsTAt(_ int, x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride, nk int) {
	dotsTGeneric(x, xstride, q, d, scale, kt, ktstride, nk, 0)
}

func transposeGather(kt []float32, ktstride int, k []float32, offs []int, d int) {
	transposeGeneric(kt, ktstride, k, offs, d, 0, 0)
}

func transposeGatherAt(_ int, kt []float32, ktstride int, k []float32, offs []int, d int) {
	transposeGeneric(kt, ktstride, k, offs, d, 0, 0)
}

func transposeGatherBF16(kt []float32, ktstride int, k []uint16, offs []int, d int) {
	transposeBF16Generic(kt, ktstride, k, offs, d, 0, 0)
}

func transposeGatherBF16At(_ int, kt []float32, ktstride int, k []uint16, offs []int, d int) {
	transposeBF16Generic(kt, ktstride, k, offs, d, 0, 0)
}
