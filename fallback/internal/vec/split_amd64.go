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
	if l == levelGeneric {
		dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, 0)
		return
	}
	wide := l == levelAVX512
	// with a column tail the kernels leave the sums unscaled for the
	// plain-Go loop to finish
	n := d &^ (pairBlock(l) - 1)
	ks := scale
	if n < d {
		ks = 1
	}
	rows := len(q) / d
	for r := 0; r < rows; r += 4 {
		// a switch, not a table of functions: an indirect call would make
		// the arguments escape to the heap.
		xr, qr := x[r*xstride:], q[r*d:min(r+4, rows)*d]
		switch c := min(4, rows-r); {
		case c == 4 && wide:
			dotsGatherBF16Split4AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 4:
			dotsGatherBF16Split4AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 3 && wide:
			dotsGatherBF16Split3AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 3:
			dotsGatherBF16Split3AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 2 && wide:
			dotsGatherBF16Split2AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 2:
			dotsGatherBF16Split2AVX2(xr, xstride, qr, d, ks, k, offs)
		case wide:
			dotsGatherBF16Split1AVX512(xr, xstride, qr, d, ks, k, offs)
		default:
			dotsGatherBF16Split1AVX2(xr, xstride, qr, d, ks, k, offs)
		}
	}
	if n < d {
		dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, n)
	}
}

// accumulateBF16SplitAt runs level l's pair-split kernels over the
// columns of whole blocks and the plain-Go loop over the rest (natural
// order), as accumulateBF16At does.
func accumulateBF16SplitAt(l int, acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	n := 0
	if l != levelGeneric {
		k4, k3, k2, k1 := accumulateBF16Split4AVX2, accumulateBF16Split3AVX2, accumulateBF16Split2AVX2, accumulateBF16Split1AVX2
		if l == levelAVX512 {
			k4, k3, k2, k1 = accumulateBF16Split4AVX512, accumulateBF16Split3AVX512, accumulateBF16Split2AVX512, accumulateBF16Split1AVX512
		}
		n = dv &^ (pairBlock(l) - 1)
		rows, r := len(acc)/dv, 0
		for ; r+4 <= rows; r += 4 {
			k4(acc[r*dv:], dv, p[r*pstride:], pstride, v, offs)
		}
		switch rows - r {
		case 3:
			k3(acc[r*dv:], dv, p[r*pstride:], pstride, v, offs)
			r += 3
		case 2:
			k2(acc[r*dv:], dv, p[r*pstride:], pstride, v, offs)
			r += 2
		}
		if r < rows {
			k1(acc[r*dv:], dv, p[r*pstride:], pstride, v, offs)
		}
	}
	if n < dv {
		accumulateBF16Generic(acc, dv, p, pstride, v, offs, n)
	}
}
