//go:build !purego

package vec

func dotsT(x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride, nk int) {
	dotsTAt(level, x, xstride, q, d, scale, kt, ktstride, nk)
}

// dotsTAt runs level l's kernels over the rows in groups of six (one
// call), then the remaining rows, and the keys up to a multiple of its
// vector width; the plain-Go loop takes the remaining keys.
func dotsTAt(l int, x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride, nk int) {
	n := 0
	if l != levelGeneric {
		wide := l == levelAVX512
		n = nk &^ (vecLanes(l) - 1)
		rows := len(q) / d
		r6 := rows / 6 * 6
		if r6 > 0 && n > 0 {
			if wide {
				dotsT6AVX512(x, xstride, q[:r6*d], d, scale, kt, ktstride, n)
			} else {
				dotsT6AVX2(x, xstride, q[:r6*d], d, scale, kt, ktstride, n)
			}
		}
		if r := r6; r < rows && n > 0 {
			// a switch, not a table of functions: an indirect call would
			// make the arguments escape to the heap.
			xr, qr := x[r*xstride:], q[r*d:rows*d]
			switch c := rows - r; {
			case c == 5 && wide:
				dotsT5AVX512(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 5:
				dotsT5AVX2(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 4 && wide:
				dotsT4AVX512(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 4:
				dotsT4AVX2(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 3 && wide:
				dotsT3AVX512(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 3:
				dotsT3AVX2(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 2 && wide:
				dotsT2AVX512(xr, xstride, qr, d, scale, kt, ktstride, n)
			case c == 2:
				dotsT2AVX2(xr, xstride, qr, d, scale, kt, ktstride, n)
			case wide:
				dotsT1AVX512(xr, xstride, qr, d, scale, kt, ktstride, n)
			default:
				dotsT1AVX2(xr, xstride, qr, d, scale, kt, ktstride, n)
			}
		}
	}
	if n < nk {
		dotsTGeneric(x, xstride, q, d, scale, kt, ktstride, nk, n)
	}
}

func transposeGather(kt []float32, ktstride int, k []float32, offs []int, d int) {
	transposeGatherAt(level, kt, ktstride, k, offs, d)
}

func transposeGatherBF16(kt []float32, ktstride int, k []uint16, offs []int, d int) {
	transposeGatherBF16At(level, kt, ktstride, k, offs, d)
}

// transposeGatherAt runs the 8×8-block kernel (AVX2, at either SIMD
// level) over the keys and columns up to multiples of 8, the plain-Go
// loop over the rest.
func transposeGatherAt(l int, kt []float32, ktstride int, k []float32, offs []int, d int) {
	n, dc := 0, 0
	if l != levelGeneric {
		n, dc = len(offs)&^7, d&^7
		transposeAVX2(kt, ktstride, k, offs, d)
	}
	if n < len(offs) || dc < d {
		transposeGeneric(kt, ktstride, k, offs, d, n, dc)
	}
}

// transposeGatherBF16At is transposeGatherAt with bfloat16 keys.
func transposeGatherBF16At(l int, kt []float32, ktstride int, k []uint16, offs []int, d int) {
	n, dc := 0, 0
	if l != levelGeneric {
		n, dc = len(offs)&^7, d&^7
		transposeBF16AVX2(kt, ktstride, k, offs, d)
	}
	if n < len(offs) || dc < d {
		transposeBF16Generic(kt, ktstride, k, offs, d, n, dc)
	}
}
