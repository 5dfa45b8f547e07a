//go:build !purego

package vec

func pageBounds(x []float32, xstride int, q []float32, d int, scale float32, mn, mx []float32, offs []int) {
	pageBoundsAt(level, x, xstride, q, d, scale, mn, mx, offs)
}

// pageBoundsAt runs level l's kernels, four rows a call, over the columns
// of whole vectors and the plain-Go loop over the rest. The kernels'
// maximum need not hold a NaN product of a maximum, which only an
// infinite query element or a maximum that is not finite makes: the rows
// of such queries and the pages of such maxima are redone in plain Go,
// each alone, so that every other bound keeps the bits it has on clean
// inputs.
func pageBoundsAt(l int, x []float32, xstride int, q []float32, d int, scale float32, mn, mx []float32, offs []int) {
	if l == levelGeneric {
		pageBoundsGeneric(x, xstride, q, d, scale, mn, mx, offs, 0)
		return
	}
	wide := l == levelAVX512
	n := d &^ (vecLanes(l) - 1)
	ks := scale
	if n < d { // the plain-Go loop finishes and scales the sums
		ks = 1
	}
	rows := len(q) / d
	ok := true
	for r := 0; r < rows; r += 4 {
		// a switch, not a table of functions: an indirect call would make
		// the arguments escape to the heap.
		xr, qr := x[r*xstride:], q[r*d:min(r+4, rows)*d]
		var f bool
		switch c := min(4, rows-r); {
		case c == 4 && wide:
			f = pageBounds4AVX512(xr, xstride, qr, d, ks, mn, mx, offs)
		case c == 4:
			f = pageBounds4AVX2(xr, xstride, qr, d, ks, mn, mx, offs)
		case c == 3 && wide:
			f = pageBounds3AVX512(xr, xstride, qr, d, ks, mn, mx, offs)
		case c == 3:
			f = pageBounds3AVX2(xr, xstride, qr, d, ks, mn, mx, offs)
		case c == 2 && wide:
			f = pageBounds2AVX512(xr, xstride, qr, d, ks, mn, mx, offs)
		case c == 2:
			f = pageBounds2AVX2(xr, xstride, qr, d, ks, mn, mx, offs)
		case wide:
			f = pageBounds1AVX512(xr, xstride, qr, d, ks, mn, mx, offs)
		default:
			f = pageBounds1AVX2(xr, xstride, qr, d, ks, mn, mx, offs)
		}
		ok = ok && f
	}
	if n < d {
		pageBoundsGeneric(x, xstride, q, d, scale, mn, mx, offs, n)
	}
	for r := range rows {
		// a query element that is not finite makes every bound of its row
		// infinite or NaN: only then is the row's query scanned
		if finite(x[r*xstride : r*xstride+len(offs)]) {
			continue
		}
		if qr := q[r*d : (r+1)*d]; !finite(qr) {
			pageBoundsGeneric(x[r*xstride:], xstride, qr, d, scale, mn, mx, offs, 0)
		}
	}
	if ok { // the sum of every maximum read was finite
		return
	}
	for i, o := range offs {
		if !finite(mx[o : o+d]) {
			pageBoundsGeneric(x[i:], xstride, q, d, scale, mn, mx, offs[i:i+1], 0)
		}
	}
}
