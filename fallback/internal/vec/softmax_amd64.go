//go:build !purego

package vec

func softmaxBlock(x []float32, xstride, nk int, m, l, alpha []float32) {
	softmaxBlockAt(level, x, xstride, nk, m, l, alpha)
}

// softmaxBlockAt runs level l's kernel when the block is a whole number
// of its vectors (the AVX2 kernel on AVX-512 when it is a whole number of
// 8-float vectors only), else the plain-Go loop; the rows the kernel
// leaves (alpha NaN: a NaN logit, or a +Inf maximum) take the plain-Go
// loop too.
func softmaxBlockAt(l int, x []float32, xstride, nk int, m, ls, alpha []float32) {
	switch {
	case l == levelGeneric || nk == 0 || nk%8 != 0:
		softmaxBlockGeneric(x, xstride, nk, m, ls, alpha)
		return
	case l == levelAVX512 && nk%16 == 0:
		softmaxBlockAVX512(x, xstride, nk, m, ls, alpha)
	default:
		softmaxBlockAVX2(x, xstride, nk, m, ls, alpha)
	}
	for r, a := range alpha {
		if a != a {
			alpha[r] = softmaxRowGeneric(x[r*xstride:r*xstride+nk], &m[r], &ls[r])
		}
	}
}
