package vec

// Pair-split order. The bfloat16 kernels below read a vector of 2W
// bfloat16 elements (W float32 lanes) as W 32-bit lanes, each holding an
// even-indexed element in its low half and the next odd-indexed one in
// its high half: clearing the low halves gives the odd elements as
// float32 and shifting left by 16 the even ones, two instructions per 2W
// elements. The float32 rows they meet are therefore kept in pair-split
// order: per block of 2W elements, the W even-indexed elements and then
// the W odd-indexed ones; a row's last elements that do not fill a block
// stay in natural order. The block follows the implementation (32 for
// AVX-512, 16 for AVX2); for the plain-Go loops pair-split order is the
// natural order.
//
// The split-order bfloat16 rotations (RotateBF16Split and its multi-head
// form) widen a block of NeoX pairs the same way, so they read each
// block's cos and sin in pair-split order: tables of anything elementwise
// in the pairs (inverse frequencies, cos, sin) can be split before or
// after the elementwise step alike.

// SplitPairs writes each row of width elements of src into dst in
// pair-split order. dst and src are the same slice or do not overlap;
// len(src) is a multiple of width > 0 (or src is empty) and len(dst) ≥
// len(src).
func SplitPairs[T float32 | float64](dst, src []T, width int) {
	splitPairsAt(level, dst[:len(src)], src, width)
}

// JoinPairs is the inverse of SplitPairs: it writes each row of width
// elements of src, in pair-split order, into dst in natural order.
func JoinPairs[T float32 | float64](dst, src []T, width int) {
	joinPairsAt(level, dst[:len(src)], src, width)
}

// DotsGatherBF16Split is DotsGatherBF16 with the rows of q (d floats
// each) in pair-split order: x[r·xstride+i] = scale·Σ_c q_r[c]·k[offs[i]+c]
// with q_r row r of JoinPairs(q, d). Dot's bound holds.
func DotsGatherBF16Split(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	if dotsGatherShape(len(x), xstride, len(q), d, len(k), offs) {
		dotsGatherBF16Split(x, xstride, q[:len(q)/d*d], d, scale, k, offs)
	}
}

// AccumulateBF16Split is AccumulateBF16 with the rows of acc (dv floats
// each) in pair-split order: acc_r[c] += Σ_i p[r·pstride+i]·v[offs[i]+c]
// with acc_r row r of JoinPairs(acc, dv), every element's keys in order
// as in Accumulate.
func AccumulateBF16Split(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	if accumulateShape(len(acc), dv, len(p), pstride, len(v), offs) {
		accumulateBF16Split(acc[:len(acc)/dv*dv], dv, p, pstride, v, offs)
	}
}

// pairBlock returns the pair-split block of level l's kernels, 0 for the
// plain-Go loops (natural order). levelAVX512BF16's kernels use
// levelAVX512's block.
func pairBlock(l int) int {
	switch l {
	case levelAVX2:
		return 16
	case levelAVX512, levelAVX512BF16:
		return 32
	}
	return 0
}

// splitPairsAt is SplitPairs for the block of level l.
func splitPairsAt[T float32 | float64](l int, dst, src []T, width int) {
	permutePairs(dst, src, width, pairBlock(l), true)
}

// joinPairsAt is JoinPairs for the block of level l.
func joinPairsAt[T float32 | float64](l int, dst, src []T, width int) {
	permutePairs(dst, src, width, pairBlock(l), false)
}

// permutePairs moves every row of width elements of src to dst, each
// whole block of b elements in pair-split order (split) or back from it
// (join); b = 0 copies.
func permutePairs[T float32 | float64](dst, src []T, width, b int, split bool) {
	if len(src) == 0 {
		return
	}
	if width <= 0 || len(src)%width != 0 {
		panic("vec: pair-split rows with a non-positive width or a partial row")
	}
	if b == 0 || width < b {
		copy(dst, src)
		return
	}
	var t [32]T
	h := b / 2
	n := width &^ (b - 1)
	for r := 0; r < len(src); r += width {
		for c := r; c < r+n; c += b {
			blk := t[:b]
			copy(blk, src[c:c+b])
			o := dst[c : c+b]
			for i := range h {
				if split {
					o[i], o[h+i] = blk[2*i], blk[2*i+1]
				} else {
					o[2*i], o[2*i+1] = blk[i], blk[h+i]
				}
			}
		}
		copy(dst[r+n:r+width], src[r+n:r+width])
	}
}
