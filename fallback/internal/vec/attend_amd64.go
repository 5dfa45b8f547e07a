//go:build !purego

package vec

func attendBF16Split(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, l, acc []float32, pk, pv []uint16) {
	attendBF16SplitPrefetchAt(level, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, l, acc, pk, pv)
}

// attendBF16SplitAt is attendBF16SplitPrefetchAt with no rows to
// prefetch.
func attendBF16SplitAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32) {
	attendBF16SplitPrefetchAt(l, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, ls, acc, nil, nil)
}

// attendBF16SplitPrefetchAt runs level l's fused kernels on up to four
// rows and one block of keys a call when d and dv are whole pair-split
// blocks, and the reference steps otherwise, or for a call whose kernel
// found a NaN or +Inf logit (it leaves the state as it was). The first
// kernel call walks pk and pv; the reference steps prefetch them first.
func attendBF16SplitPrefetchAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32, pk, pv []uint16) {
	b := pairBlock(l)
	if l == levelGeneric || d%b != 0 || dv%b != 0 {
		PrefetchU16(pk)
		PrefetchU16(pv)
		attendStepsAt(l, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, ls, acc)
		return
	}
	wide := l == levelAVX512
	var alpha [attendRows]float32
	for r0 := 0; r0 < len(m); r0 += attendRows {
		c := min(attendRows, len(m)-r0)
		qr, mr, lr, ar := q[r0*d:(r0+c)*d], m[r0:r0+c], ls[r0:r0+c], acc[r0*dv:(r0+c)*dv]
		for i := 0; i < len(offs); i += attendBlock {
			e := min(i+attendBlock, len(offs))
			xr, ko, vo := x[r0*xstride+i:], offs[i:e], voffs[i:e]
			var ok bool
			// a switch, not a table of functions: an indirect call would
			// make the arguments escape to the heap.
			switch {
			case c == 4 && wide:
				ok = attendBF16Split4AVX512(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			case c == 4:
				ok = attendBF16Split4AVX2(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			case c == 3 && wide:
				ok = attendBF16Split3AVX512(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			case c == 3:
				ok = attendBF16Split3AVX2(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			case c == 2 && wide:
				ok = attendBF16Split2AVX512(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			case c == 2:
				ok = attendBF16Split2AVX2(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			case wide:
				ok = attendBF16Split1AVX512(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			default:
				ok = attendBF16Split1AVX2(xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, pk, pv)
			}
			if !ok {
				attendStepAt(l, xr, xstride, qr, d, scale, k, ko, v, vo, dv, mr, lr, ar, alpha[:c])
			}
			pk, pv = nil, nil // walked by the first call
		}
	}
}
