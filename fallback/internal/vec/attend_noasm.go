//go:build purego || !amd64

package vec

func attendBF16Split(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, l, acc []float32, pk, pv []uint16) {
	attendBF16SplitPrefetchAt(levelGeneric, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, l, acc, pk, pv)
}

func attendBF16SplitAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32) {
	attendStepsAt(l, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, ls, acc)
}

func attendBF16SplitPrefetchAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32, pk, pv []uint16) {
	PrefetchU16(pk)
	PrefetchU16(pv)
	attendStepsAt(l, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, ls, acc)
}
