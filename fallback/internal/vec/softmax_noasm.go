//go:build purego || !amd64

package vec

func softmaxBlock(x []float32, xstride, nk int, m, l, alpha []float32) {
	softmaxBlockGeneric(x, xstride, nk, m, l, alpha)
}

func softmaxBlockAt(_ int, x []float32, xstride, nk int, m, l, alpha []float32) {
	softmaxBlockGeneric(x, xstride, nk, m, l, alpha)
}
