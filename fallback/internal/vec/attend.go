package vec

// AttendBF16Split folds gathered keys into the online-softmax state of
// the query rows r < R = len(m) that read the same kv head: the decode
// step of attention over the n = len(offs) bfloat16 key rows at offs[i]
// in k and value rows at voffs[i] in v, with the rows of q (d floats
// each) and acc (dv floats each) in pair-split order. The keys are taken
// in blocks of 16 (attendBlock), each block being (reference):
//
//	DotsGatherBF16Split(x, xstride, q, d, scale, k, offs)
//	SoftmaxBlock(x, xstride, len(offs), m, l, alpha)
//	Scale(alpha[r], acc[r·dv:(r+1)·dv]) for every r with alpha[r] ≠ 1
//	AccumulateBF16Split(acc, dv, x, xstride, v, voffs)
//
// with x, offs and voffs advanced to the block, and with those functions'
// bounds, bits and NaN rules: the assembly forms the logits, the softmax
// update and the weighted value sum of up to four rows in one call, with
// the logits' bits, the maxima, the factors, the weights and acc as the
// steps above give them at the same level (l may differ by the order of
// its additions), and takes the steps one by one for a block with a NaN
// or +Inf logit. x receives the weights (row r at x[r·xstride]); its
// entries past n up to n rounded up to 16 are scratch, so xstride must be
// at least that. len(voffs) = n, len(q) ≥ R·d, len(l) ≥ R and len(acc) ≥
// R·dv. It panics when an offset or a row is out of range.
//
// pk and pv (either may be nil) are rows the caller will read next,
// typically the next block's keys and values: the kernels ask the caches
// for them a few lines at a time between their arithmetic, so that the
// loads overlap it without overflowing the core's outstanding misses as
// one burst of a whole block's rows would. They change no result.
func AttendBF16Split(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, l, acc []float32, pk, pv []uint16) {
	rows, n := len(m), len(offs)
	if d <= 0 || dv <= 0 || len(voffs) != n {
		panic("vec: AttendBF16Split with a non-positive row width or value offsets not matching the keys")
	}
	if rows == 0 || n == 0 {
		return
	}
	if len(q) < rows*d || len(l) < rows || len(acc) < rows*dv {
		panic("vec: AttendBF16Split query rows, sums or accumulators out of range")
	}
	if w := attendPad(n); xstride < w || (rows-1)*xstride+w > len(x) {
		panic("vec: AttendBF16Split logits out of range")
	}
	checkOffsets("AttendBF16Split", offs, len(k), d)
	checkOffsets("AttendBF16Split", voffs, len(v), dv)
	attendBF16Split(x, xstride, q[:rows*d], d, scale, k, offs, v, voffs, dv, m, l[:rows], acc[:rows*dv], pk, pv)
}

// attendPad returns n rounded up to 16: the row width of AttendBF16Split's
// logits, padded to whole vectors of either width.
func attendPad(n int) int { return (n + 15) &^ 15 }

// The most keys and query rows one AttendBF16Split kernel call takes;
// more are taken that many at a time.
const (
	attendBlock = 16
	attendRows  = 4
)

// attendStepsAt is AttendBF16Split's reference steps at level l, for
// attendRows rows at a time and each block of attendBlock keys in turn.
func attendStepsAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32) {
	var alpha [attendRows]float32
	for r0 := 0; r0 < len(m); r0 += attendRows {
		c := min(attendRows, len(m)-r0)
		for i := 0; i < len(offs); i += attendBlock {
			e := min(i+attendBlock, len(offs))
			attendStepAt(l, x[r0*xstride+i:], xstride, q[r0*d:(r0+c)*d], d, scale, k, offs[i:e], v, voffs[i:e], dv, m[r0:r0+c], ls[r0:r0+c], acc[r0*dv:(r0+c)*dv], alpha[:c])
		}
	}
}

// attendStepAt is AttendBF16Split's reference steps at level l for the
// rows of m, with alpha as scratch.
func attendStepAt(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc, alpha []float32) {
	dotsGatherBF16SplitAt(l, x, xstride, q, d, scale, k, offs)
	softmaxBlockAt(l, x, xstride, len(offs), m, ls, alpha)
	for r, a := range alpha {
		if a != 1 {
			scaleAt(l, a, acc[r*dv:(r+1)*dv])
		}
	}
	accumulateBF16SplitAt(l, acc, dv, x, xstride, v, voffs)
}
