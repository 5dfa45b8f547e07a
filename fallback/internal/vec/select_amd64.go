//go:build !purego

package vec

import (
	"os"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// level is the implementation chosen at start-up: the widest the CPU and
// operating system support (x/sys/cpu reports AVX registers only when
// the OS saves them), capped by ROTOR_SIMD; roundLevel that of the
// kernels that round to bfloat16, which may be levelAVX512BF16.
var level, roundLevel = levels(capLevel(detect(), os.Getenv("ROTOR_SIMD")))

func detect() int {
	x := &cpu.X86
	switch {
	case x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512DQ && x.HasAVX512BF16:
		return levelAVX512BF16
	case x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL:
		return levelAVX512
	case x.HasAVX && x.HasAVX2 && x.HasFMA && x.HasF16C:
		return levelAVX2
	}
	return levelGeneric
}

// supported reports the levels every kernel has that this CPU can run,
// for the tests.
func supported() []int {
	l := []int{levelGeneric}
	for c := levelAVX2; c <= min(detect(), levelAVX512); c++ {
		l = append(l, c)
	}
	return l
}

// supportedRounding reports the levels of the kernels that round to
// bfloat16 this CPU can run: supported() and levelAVX512BF16.
func supportedRounding() []int {
	l := supported()
	if detect() == levelAVX512BF16 {
		l = append(l, levelAVX512BF16)
	}
	return l
}

// The functions the exported API calls run the chosen level.

func dot(a, b []float32) float32                      { return dotAt(level, a, b) }
func dotBF16(a []float32, b []uint16) float32         { return dotBF16At(level, a, b) }
func dots(dst, q, k []float32)                        { dotsAt(level, dst, q, k) }
func dotsBF16(dst, q []float32, k []uint16)           { dotsBF16At(level, dst, q, k) }
func axpy(alpha float32, x, y []float32)              { axpyAt(level, alpha, x, y) }
func axpyBF16(alpha float32, x []uint16, y []float32) { axpyBF16At(level, alpha, x, y) }
func scale(alpha float32, y []float32)                { scaleAt(level, alpha, y) }
func bf16ToF32(dst []float32, src []uint16)           { bf16ToF32At(level, dst, src) }
func f32ToBF16(dst []uint16, src []float32)           { f32ToBF16At(roundLevel, dst, src) }
func f16ToF32(dst []float32, src []uint16)            { f16ToF32At(level, dst, src) }
func f32ToF16(dst []uint16, src []float32)            { f32ToF16At(level, dst, src) }
func rotate(x, y, c, s []float32)                     { rotateAt(level, x, y, c, s) }
func rotateBF16(dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16At(roundLevel, dst, src, c, s, heads, stride)
}
func rotateBF16Split(dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16SplitAt(roundLevel, dst, src, c, s, heads, stride)
}
func rotatePairsBF16(dst, src []uint16, c, s []float32, heads, stride int) {
	rotatePairsBF16At(roundLevel, dst, src, c, s, heads, stride)
}
func rotateF16(dst, src []uint16, c, s []float32, heads, stride int) {
	rotateF16At(level, dst, src, c, s, heads, stride)
}
func rotateHeads(x, c, s []float32, heads, stride int) { rotateHeadsAt(level, x, c, s, heads, stride) }
func rotateInterleaved(x, c, s []float32)              { rotateInterleavedAt(level, x, c, s) }
func accumulate(acc []float32, dv int, p []float32, pstride int, v []float32, offs []int) {
	accumulateAt(level, acc, dv, p, pstride, v, offs)
}
func accumulateBF16(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16At(level, acc, dv, p, pstride, v, offs)
}
func expShift(x []float32, m float32) float32 { return expShiftAt(level, x, m) }
func accurateCosSin(c, s []float32, pos int32, invFreq []float64, attn float64) {
	accurateCosSinAt(level, c, s, pos, invFreq, attn)
}
func compatCosSin(c, s []float32, pos int32, invFreq []float32, attn float64) {
	compatCosSinAt(level, c, s, pos, invFreq, attn)
}

// Each xxxAt function below runs the assembly of level l over the
// longest prefix it handles (a multiple of its vector width) and the
// plain-Go loop over the rest. The tests call them for every level.

func dotAt(l int, a, b []float32) float32 {
	var s float32
	n := 0
	switch l {
	case levelAVX512:
		n, s = len(a)&^15, dotAVX512(a, b)
	case levelAVX2:
		n, s = len(a)&^7, dotAVX2(a, b)
	}
	if n < len(a) {
		s += dotGeneric(a[n:], b[n:])
	}
	return s
}

func dotBF16At(l int, a []float32, b []uint16) float32 {
	var s float32
	n := 0
	switch l {
	case levelAVX512:
		n, s = len(a)&^15, dotBF16AVX512(a, b)
	case levelAVX2:
		n, s = len(a)&^7, dotBF16AVX2(a, b)
	}
	if n < len(a) {
		s += dotBF16Generic(a[n:], b[n:])
	}
	return s
}

func dotsAt(l int, dst, q, k []float32) {
	D := len(k)
	h := 0
	if l != levelGeneric {
		n := D &^ 7
		if l == levelAVX512 {
			n = D &^ 15
		}
		for ; h+4 <= len(dst); h += 4 {
			d, rows := dst[h:h+4], q[h*D:(h+4)*D]
			if l == levelAVX512 {
				dots4AVX512(d, rows, k)
			} else {
				dots4AVX2(d, rows, k)
			}
			if n < D {
				for r := range d {
					d[r] += dotGeneric(rows[r*D+n:(r+1)*D], k[n:])
				}
			}
		}
	}
	for ; h < len(dst); h++ {
		dst[h] = dotAt(l, q[h*D:(h+1)*D], k)
	}
}

func dotsBF16At(l int, dst, q []float32, k []uint16) {
	D := len(k)
	h := 0
	if l != levelGeneric {
		n := D &^ 7
		if l == levelAVX512 {
			n = D &^ 15
		}
		for ; h+4 <= len(dst); h += 4 {
			d, rows := dst[h:h+4], q[h*D:(h+4)*D]
			if l == levelAVX512 {
				dots4BF16AVX512(d, rows, k)
			} else {
				dots4BF16AVX2(d, rows, k)
			}
			if n < D {
				for r := range d {
					d[r] += dotBF16Generic(rows[r*D+n:(r+1)*D], k[n:])
				}
			}
		}
	}
	for ; h < len(dst); h++ {
		dst[h] = dotBF16At(l, q[h*D:(h+1)*D], k)
	}
}

func axpyAt(l int, alpha float32, x, y []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(y) &^ 15
		axpyAVX512(alpha, x, y)
	case levelAVX2:
		n = len(y) &^ 7
		axpyAVX2(alpha, x, y)
	}
	if n < len(y) {
		axpyGeneric(alpha, x[n:], y[n:])
	}
}

func axpyBF16At(l int, alpha float32, x []uint16, y []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(y) &^ 15
		axpyBF16AVX512(alpha, x, y)
	case levelAVX2:
		n = len(y) &^ 7
		axpyBF16AVX2(alpha, x, y)
	}
	if n < len(y) {
		axpyBF16Generic(alpha, x[n:], y[n:])
	}
}

func scaleAt(l int, alpha float32, y []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(y) &^ 15
		scaleAVX512(alpha, y)
	case levelAVX2:
		n = len(y) &^ 7
		scaleAVX2(alpha, y)
	}
	if n < len(y) {
		scaleGeneric(alpha, y[n:])
	}
}

func bf16ToF32At(l int, dst []float32, src []uint16) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(src) &^ 15
		bf16ToF32AVX512(dst, src)
	case levelAVX2:
		n = len(src) &^ 7
		bf16ToF32AVX2(dst, src)
	}
	if n < len(src) {
		bf16ToF32Generic(dst[n:], src[n:])
	}
}

func f32ToBF16At(l int, dst []uint16, src []float32) {
	n := 0
	switch l {
	case levelAVX512BF16:
		n = len(src) &^ 31
		f32ToBF16AVX512BF16(dst, src)
	case levelAVX512:
		n = len(src) &^ 15
		f32ToBF16AVX512(dst, src)
	case levelAVX2:
		n = len(src) &^ 15
		f32ToBF16AVX2(dst, src)
	}
	if n < len(src) {
		f32ToBF16Generic(dst[n:], src[n:])
	}
}

func f16ToF32At(l int, dst []float32, src []uint16) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(src) &^ 15
		f16ToF32AVX512(dst, src)
	case levelAVX2:
		n = len(src) &^ 7
		f16ToF32AVX2(dst, src)
	}
	if n < len(src) {
		f16ToF32Generic(dst[n:], src[n:])
	}
}

func f32ToF16At(l int, dst []uint16, src []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(src) &^ 15
		f32ToF16AVX512(dst, src)
	case levelAVX2:
		n = len(src) &^ 7
		f32ToF16AVX2(dst, src)
	}
	if n < len(src) {
		f32ToF16Generic(dst[n:], src[n:])
	}
}

func rotateAt(l int, x, y, c, s []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(x) &^ 15
		rotateAVX512(x, y, c, s)
	case levelAVX2:
		n = len(x) &^ 7
		rotateAVX2(x, y, c, s)
	}
	if n < len(x) {
		rotateGeneric(x[n:], y[n:], c[n:], s[n:])
	}
}

func rotateBF16At(l int, dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16Kernel(l, false, dst, src, c, s, heads, stride)
}

// rotateBF16SplitAt runs the split kernels; the pairs they leave are
// past the last whole split block, so their entries are in natural order.
func rotateBF16SplitAt(l int, dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16Kernel(l, true, dst, src, c, s, heads, stride)
}

// rotateBF16Kernel runs level l's NeoX bfloat16 rotation (the split-order
// kernel when split) over the pairs of whole vectors and the plain-Go
// loop over the rest.
func rotateBF16Kernel(l int, split bool, dst, src []uint16, c, s []float32, heads, stride int) {
	n := 0
	switch {
	case l == levelAVX512BF16 && split:
		n = len(c) &^ 15
		rotateBF16SplitAVX512BF16(dst, src, c, s, heads, stride)
	case l == levelAVX512BF16:
		n = len(c) &^ 15
		rotateBF16AVX512BF16(dst, src, c, s, heads, stride)
	case l == levelAVX512 && split:
		n = len(c) &^ 15
		rotateBF16SplitAVX512(dst, src, c, s, heads, stride)
	case l == levelAVX512:
		n = len(c) &^ 15
		rotateBF16AVX512(dst, src, c, s, heads, stride)
	case l == levelAVX2 && split:
		n = len(c) &^ 7
		rotateBF16SplitAVX2(dst, src, c, s, heads, stride)
	case l == levelAVX2:
		n = len(c) &^ 7
		rotateBF16AVX2(dst, src, c, s, heads, stride)
	}
	if n < len(c) {
		for h := range heads {
			rotateBF16Generic(dst[h*stride:], src[h*stride:], c, s, n)
		}
	}
}

func rotatePairsBF16At(l int, dst, src []uint16, c, s []float32, heads, stride int) {
	n := 0
	switch l {
	case levelAVX512BF16:
		n = len(c) &^ 15
		rotatePairsBF16AVX512BF16(dst, src, c, s, heads, stride)
	case levelAVX512:
		n = len(c) &^ 15
		rotatePairsBF16AVX512(dst, src, c, s, heads, stride)
	case levelAVX2:
		n = len(c) &^ 7
		rotatePairsBF16AVX2(dst, src, c, s, heads, stride)
	}
	if n < len(c) {
		for h := range heads {
			rotateInterleavedBF16Generic(dst[h*stride:], src[h*stride:], c, s, n)
		}
	}
}

func rotateF16At(l int, dst, src []uint16, c, s []float32, heads, stride int) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(c) &^ 15
		rotateF16AVX512(dst, src, c, s, heads, stride)
	case levelAVX2:
		n = len(c) &^ 7
		rotateF16AVX2(dst, src, c, s, heads, stride)
	}
	if n < len(c) {
		for h := range heads {
			rotateF16Generic(dst[h*stride:], src[h*stride:], c, s, n)
		}
	}
}

func rotateHeadsAt(l int, x, c, s []float32, heads, stride int) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(c) &^ 15
		rotateHeadsAVX512(x, c, s, heads, stride)
	case levelAVX2:
		n = len(c) &^ 7
		rotateHeadsAVX2(x, c, s, heads, stride)
	}
	if half := len(c); n < half {
		for h := range heads {
			o := h * stride
			rotateGeneric(x[o+n:o+half], x[o+half+n:o+2*half], c[n:], s[n:])
		}
	}
}

func rotateInterleavedAt(l int, x, c, s []float32) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(c) &^ 7
		rotatePairsAVX512(x, c, s)
	case levelAVX2:
		n = len(c) &^ 3
		rotatePairsAVX2(x, c, s)
	}
	if n < len(c) {
		rotateInterleavedGeneric(x[2*n:], c[n:], s[n:])
	}
}

func accurateCosSinAt(l int, c, s []float32, pos int32, invFreq []float64, attn float64) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(c) &^ 7
		accurateCosSinAVX512(c, s, float64(pos), invFreq, attn)
	case levelAVX2:
		n = len(c) &^ 3
		accurateCosSinAVX2(c, s, float64(pos), invFreq, attn)
	}
	if n < len(c) {
		accurateCosSinGeneric(c[n:], s[n:], pos, invFreq[n:], attn)
	}
}

func compatCosSinAt(l int, c, s []float32, pos int32, invFreq []float32, attn float64) {
	n := 0
	switch l {
	case levelAVX512:
		n = len(c) &^ 7
		compatCosSinAVX512(c, s, float32(pos), invFreq, float32(attn))
	case levelAVX2:
		n = len(c) &^ 3
		compatCosSinAVX2(c, s, float32(pos), invFreq, float32(attn))
	}
	if n < len(c) {
		compatCosSinGeneric(c[n:], s[n:], pos, invFreq[n:], attn)
	}
}

func prefetchBytes(p unsafe.Pointer, n int) {
	if level != levelGeneric {
		prefetch((*byte)(p), uintptr(n))
	}
}

func accumulateAt(l int, acc []float32, dv int, p []float32, pstride int, v []float32, offs []int) {
	n := 0
	if l != levelGeneric {
		k6, k4, k3, k2, k1 := accumulate6AVX2, accumulate4AVX2, accumulate3AVX2, accumulate2AVX2, accumulate1AVX2
		n = dv &^ 7
		if l == levelAVX512 {
			k6, k4, k3, k2, k1 = accumulate6AVX512, accumulate4AVX512, accumulate3AVX512, accumulate2AVX512, accumulate1AVX512
			n = dv &^ 15
		}
		rows, r := len(acc)/dv, 0
		for ; r+6 <= rows; r += 6 {
			k6(acc[r*dv:], dv, p[r*pstride:], pstride, v, offs)
		}
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
		accumulateGeneric(acc, dv, p, pstride, v, offs, n)
	}
}

func accumulateBF16At(l int, acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16Kernels(l, false, acc, dv, p, pstride, v, offs)
}

// accumulateBF16Kernels runs level l's bfloat16 P·V kernels (the
// pair-split ones when split) over the columns of whole vectors (whole
// pair-split blocks) and the plain-Go loop over the rest.
func accumulateBF16Kernels(l int, split bool, acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	n := 0
	if l != levelGeneric {
		k4, k3, k2, k1 := accumulateBF164AVX2, accumulateBF163AVX2, accumulateBF162AVX2, accumulateBF161AVX2
		switch {
		case l == levelAVX512 && split:
			k4, k3, k2, k1 = accumulateBF16Split4AVX512, accumulateBF16Split3AVX512, accumulateBF16Split2AVX512, accumulateBF16Split1AVX512
		case l == levelAVX512:
			k4, k3, k2, k1 = accumulateBF164AVX512, accumulateBF163AVX512, accumulateBF162AVX512, accumulateBF161AVX512
		case split:
			k4, k3, k2, k1 = accumulateBF16Split4AVX2, accumulateBF16Split3AVX2, accumulateBF16Split2AVX2, accumulateBF16Split1AVX2
		}
		n = dv &^ (vecLanes(l) - 1)
		if split {
			n = dv &^ (pairBlock(l) - 1)
		}
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

func expShiftAt(l int, x []float32, m float32) float32 {
	var sum float32
	n := 0
	if l != levelGeneric {
		ok := false
		if l == levelAVX512 {
			n = len(x) &^ 15
			sum, ok = expShiftAVX512(x[:n], m)
		} else {
			n = len(x) &^ 7
			sum, ok = expShiftAVX2(x[:n], m)
		}
		if !ok { // an argument above expMax: all in plain Go
			return expShiftGeneric(x, m)
		}
	}
	if n < len(x) {
		sum += expShiftGeneric(x[n:], m)
	}
	return sum
}

func dotsGather(x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	dotsGatherAt(level, x, xstride, q, d, scale, k, offs)
}

func dotsGatherBF16(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16At(level, x, xstride, q, d, scale, k, offs)
}

func dotsGatherAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	if l == levelGeneric {
		dotsGatherGeneric(x, xstride, q, d, scale, k, offs, 0)
		return
	}
	wide := l == levelAVX512
	// with a column tail the kernels leave the sums unscaled for the
	// plain-Go loop to finish
	n := d &^ (vecLanes(l) - 1)
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
			dotsGather4AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 4:
			dotsGather4AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 3 && wide:
			dotsGather3AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 3:
			dotsGather3AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 2 && wide:
			dotsGather2AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 2:
			dotsGather2AVX2(xr, xstride, qr, d, ks, k, offs)
		case wide:
			dotsGather1AVX512(xr, xstride, qr, d, ks, k, offs)
		default:
			dotsGather1AVX2(xr, xstride, qr, d, ks, k, offs)
		}
	}
	if n < d {
		dotsGatherGeneric(x, xstride, q, d, scale, k, offs, n)
	}
}

func dotsGatherBF16At(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16Kernels(l, false, x, xstride, q, d, scale, k, offs)
}

// dotsGatherBF16Kernels runs level l's bfloat16 gathered dot kernels (the
// pair-split ones when split) over the columns of whole vectors (whole
// pair-split blocks) and the plain-Go loop over the rest, which the
// pair-split rows keep in natural order.
func dotsGatherBF16Kernels(l int, split bool, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	if l == levelGeneric {
		dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, 0)
		return
	}
	wide := l == levelAVX512
	// with a column tail the kernels leave the sums unscaled for the
	// plain-Go loop to finish
	n := d &^ (vecLanes(l) - 1)
	if split {
		n = d &^ (pairBlock(l) - 1)
	}
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
		case c == 4 && wide && split:
			dotsGatherBF16Split4AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 4 && wide:
			dotsGatherBF164AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 4 && split:
			dotsGatherBF16Split4AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 4:
			dotsGatherBF164AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 3 && wide && split:
			dotsGatherBF16Split3AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 3 && wide:
			dotsGatherBF163AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 3 && split:
			dotsGatherBF16Split3AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 3:
			dotsGatherBF163AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 2 && wide && split:
			dotsGatherBF16Split2AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 2 && wide:
			dotsGatherBF162AVX512(xr, xstride, qr, d, ks, k, offs)
		case c == 2 && split:
			dotsGatherBF16Split2AVX2(xr, xstride, qr, d, ks, k, offs)
		case c == 2:
			dotsGatherBF162AVX2(xr, xstride, qr, d, ks, k, offs)
		case wide && split:
			dotsGatherBF16Split1AVX512(xr, xstride, qr, d, ks, k, offs)
		case wide:
			dotsGatherBF161AVX512(xr, xstride, qr, d, ks, k, offs)
		case split:
			dotsGatherBF16Split1AVX2(xr, xstride, qr, d, ks, k, offs)
		default:
			dotsGatherBF161AVX2(xr, xstride, qr, d, ks, k, offs)
		}
	}
	if n < d {
		dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, n)
	}
}

// vecLanes returns the float32 lanes of level l's vectors.
func vecLanes(l int) int {
	if l == levelAVX512 {
		return 16
	}
	return 8
}
