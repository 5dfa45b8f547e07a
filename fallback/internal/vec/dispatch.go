package vec

import "unsafe"

// The exported functions check their slice lengths (a too-short slice
// panics here, as the plain loop would) and call the implementation
// chosen at start-up (select_amd64.go, select_noasm.go).

// Dot returns Σ a[i]*b[i] over len(a) elements (len(b) ≥ len(a)),
// accumulated in float32. The summation order is unspecified.
func Dot(a, b []float32) float32 { return dot(a, b[:len(a)]) }

// DotBF16 is Dot with b given as bfloat16 bits, widened exactly: it
// returns Σ a[i]*float32(b[i]) over len(a) elements (len(b) ≥ len(a)).
func DotBF16(a []float32, b []uint16) float32 { return dotBF16(a, b[:len(a)]) }

// Dots sets dst[h] = Dot(q[h*D:(h+1)*D], k) for h < len(dst), D = len(k):
// several rows of q (the query heads sharing a kv head) against one key
// row, read once for every four rows. len(q) ≥ len(dst)·len(k).
func Dots(dst, q, k []float32) { dots(dst, q[:len(dst)*len(k)], k) }

// DotsBF16 is Dots with the key row given as bfloat16 bits.
func DotsBF16(dst, q []float32, k []uint16) { dotsBF16(dst, q[:len(dst)*len(k)], k) }

// Axpy sets y[i] += alpha*x[i] for i < len(y) (len(x) ≥ len(y)).
func Axpy(alpha float32, x, y []float32) { axpy(alpha, x[:len(y)], y) }

// AxpyBF16 is Axpy with x given as bfloat16 bits: y[i] +=
// alpha*float32(x[i]) for i < len(y).
func AxpyBF16(alpha float32, x []uint16, y []float32) { axpyBF16(alpha, x[:len(y)], y) }

// Scale sets y[i] *= alpha.
func Scale(alpha float32, y []float32) { scale(alpha, y) }

// BF16ToF32 widens bfloat16 bits to float32 (exact).
func BF16ToF32(dst []float32, src []uint16) { bf16ToF32(dst[:len(src)], src) }

// F32ToBF16 rounds float32 to bfloat16 bits, ties to even, NaN kept quiet
// (identical to precision.BF16FromFloat32).
func F32ToBF16(dst []uint16, src []float32) { f32ToBF16(dst[:len(src)], src) }

// F16ToF32 widens IEEE binary16 bits to float32 (exact; a NaN keeps its
// sign and payload and is made quiet).
func F16ToF32(dst []float32, src []uint16) { f16ToF32(dst[:len(src)], src) }

// F32ToF16 rounds float32 to IEEE binary16 bits, ties to even (identical
// to x448/float16's Fromfloat32, NaNs included).
func F32ToF16(dst []uint16, src []float32) { f32ToF16(dst[:len(src)], src) }

// Rotate rotates each pair (x[i], y[i]) by cos c[i] and sin s[i]:
// x' = x·c − y·s, y' = y·c + x·s, every product and sum rounded to float32
// separately (no FMA), bit-identical to precision.RotatePair.
func Rotate(x, y, c, s []float32) { rotate(x, y[:len(x)], c[:len(x)], s[:len(x)]) }

// RotateBF16 is the NeoX rotation of one bfloat16 head fused with its
// conversions: with half = len(c), the pairs (src[i], src[half+i]) are
// widened exactly, rotated by c[i], s[i] as Rotate does and rounded once
// to bfloat16 (as F32ToBF16) into dst[i], dst[half+i]: bit-identical to
// BF16ToF32, Rotate and F32ToBF16 in turn. dst is src (in place) or does
// not overlap it; len(src), len(dst) ≥ 2·len(c), len(s) ≥ len(c).
func RotateBF16(dst, src []uint16, c, s []float32) {
	h := len(c)
	rotateBF16(dst[:2*h], src[:2*h], c, s[:h], 1, 0)
}

// RotateBF16Split is RotateBF16 with c and s in split order (SplitPairs
// of the natural tables): the same bits, fewer instructions per pair.
func RotateBF16Split(dst, src []uint16, c, s []float32) {
	h := len(c)
	rotateBF16Split(dst[:2*h], src[:2*h], c, s[:h], 1, 0)
}

// RotateF16 is RotateBF16 for IEEE binary16 heads (the conversions of
// F16ToF32 and F32ToF16).
func RotateF16(dst, src []uint16, c, s []float32) {
	h := len(c)
	rotateF16(dst[:2*h], src[:2*h], c, s[:h], 1, 0)
}

// RotateHeads applies Rotate in place to heads NeoX heads of x, stride
// elements apart, all at the same angles: head h holds its x halves at
// x[h·stride : h·stride+half] and its y halves right after, half =
// len(c). stride ≥ 2·half; len(x) ≥ (heads−1)·stride + 2·half.
func RotateHeads(x []float32, heads, stride int, c, s []float32) {
	h := len(c)
	rotateHeads(x[:headsSpan(heads, stride, h)], c, s[:h], heads, stride)
}

// RotateBF16Heads applies RotateBF16 in place to heads bfloat16 heads of
// x, stride elements apart (as RotateHeads).
func RotateBF16Heads(x []uint16, heads, stride int, c, s []float32) {
	h := len(c)
	x = x[:headsSpan(heads, stride, h)]
	rotateBF16(x, x, c, s[:h], heads, stride)
}

// RotateBF16HeadsSplit is RotateBF16Heads with c and s in split order
// (SplitPairs of the natural tables): the same bits.
func RotateBF16HeadsSplit(x []uint16, heads, stride int, c, s []float32) {
	h := len(c)
	x = x[:headsSpan(heads, stride, h)]
	rotateBF16Split(x, x, c, s[:h], heads, stride)
}

// RotateF16Heads applies RotateF16 in place to heads binary16 heads of x,
// stride elements apart (as RotateHeads).
func RotateF16Heads(x []uint16, heads, stride int, c, s []float32) {
	h := len(c)
	x = x[:headsSpan(heads, stride, h)]
	rotateF16(x, x, c, s[:h], heads, stride)
}

// headsSpan returns the elements heads heads of 2·half rotated elements,
// stride apart, cover; it panics when the heads would overlap.
func headsSpan(heads, stride, half int) int {
	if heads <= 0 {
		if heads < 0 {
			panic("vec: negative head count")
		}
		return 0
	}
	if heads > 1 && stride < 2*half {
		panic("vec: head stride shorter than the rotated elements")
	}
	return (heads-1)*stride + 2*half
}

// RotateInterleaved rotates the GPT-J pairs (x[2i], x[2i+1]) by c[i],
// s[i] for i < len(c) with Rotate's operations (no FMA), bit-identical to
// precision.RotatePair. len(x) ≥ 2·len(c), len(s) ≥ len(c).
func RotateInterleaved(x, c, s []float32) {
	h := len(c)
	rotateInterleaved(x[:2*h], c, s[:h])
}

// RotateInterleavedBF16 is RotateInterleaved for a bfloat16 head fused
// with its conversions: the pairs (src[2i], src[2i+1]) are widened
// exactly, rotated by c[i], s[i] as RotateInterleaved does and rounded
// once to bfloat16 (as F32ToBF16) into dst[2i], dst[2i+1], bit-identical
// to BF16ToF32, RotateInterleaved and F32ToBF16 in turn. dst is src (in
// place) or does not overlap it; len(src), len(dst) ≥ 2·len(c), len(s) ≥
// len(c).
func RotateInterleavedBF16(dst, src []uint16, c, s []float32) {
	h := len(c)
	rotatePairsBF16(dst[:2*h], src[:2*h], c, s[:h], 1, 0)
}

// RotateInterleavedBF16Heads applies RotateInterleavedBF16 in place to
// heads bfloat16 heads of x, stride elements apart, all at the same
// angles: head h holds its pairs at x[h·stride : h·stride+2·len(c)].
// stride ≥ 2·len(c); len(x) ≥ (heads−1)·stride + 2·len(c).
func RotateInterleavedBF16Heads(x []uint16, heads, stride int, c, s []float32) {
	h := len(c)
	x = x[:headsSpan(heads, stride, h)]
	rotatePairsBF16(x, x, c, s[:h], heads, stride)
}

// AccurateCosSin sets c[i], s[i] = precision.AccurateCosSin(pos,
// invFreq[i], attn) for i < len(c), bit for bit: one token's RoPE cos and
// sin in Accurate mode, several pairs per instruction. len(s),
// len(invFreq) ≥ len(c).
func AccurateCosSin(c, s []float32, pos int32, invFreq []float64, attn float64) {
	n := len(c)
	accurateCosSin(c, s[:n], pos, invFreq[:n], attn)
}

// CompatCosSin sets c[i], s[i] = precision.CompatCosSin(pos, invFreq[i],
// attn) for i < len(c), bit for bit (Compat mode: the float32 angle of
// Hugging Face). len(s), len(invFreq) ≥ len(c).
func CompatCosSin(c, s []float32, pos int32, invFreq []float32, attn float64) {
	n := len(c)
	compatCosSin(c, s[:n], pos, invFreq[:n], attn)
}

// PrefetchU16 hints that p will be read soon: with the assembly it asks
// for p's cache lines (PREFETCHT0), which lets a gather of scattered rows
// overlap its memory latency with arithmetic; otherwise it does nothing.
// It never faults and changes no value.
func PrefetchU16(p []uint16) {
	if len(p) > 0 {
		prefetchBytes(unsafe.Pointer(&p[0]), 2*len(p))
	}
}

// PrefetchF32 is PrefetchU16 for float32 rows.
func PrefetchF32(p []float32) {
	if len(p) > 0 {
		prefetchBytes(unsafe.Pointer(&p[0]), 4*len(p))
	}
}

// Accumulate sets acc[r·dv+d] += Σ_i p[r·pstride+i]·v[offs[i]+d] for
// every row r < len(acc)/dv, column d < dv and key i < len(offs): the
// weighted sum of gathered value rows, attention's P·V. Each element
// accumulates its keys in order, with FMA in the assembly (plain Go
// rounds each product too unless the compiler fuses it); a zero weight
// still multiplies its row, so a non-finite value under a zero weight
// gives NaN. It panics when an offset or a row of p is out of range.
func Accumulate(acc []float32, dv int, p []float32, pstride int, v []float32, offs []int) {
	if accumulateShape(len(acc), dv, len(p), pstride, len(v), offs) {
		accumulate(acc[:len(acc)/dv*dv], dv, p, pstride, v, offs)
	}
}

// AccumulateBF16 is Accumulate with bfloat16 value rows, widened exactly.
func AccumulateBF16(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	if accumulateShape(len(acc), dv, len(p), pstride, len(v), offs) {
		accumulateBF16(acc[:len(acc)/dv*dv], dv, p, pstride, v, offs)
	}
}

// checkOffsets panics, naming the function fn, unless every row of w
// elements at an offset of offs lies within a slice of n elements.
func checkOffsets(fn string, offs []int, n, w int) {
	for _, o := range offs {
		if o < 0 || o > n-w {
			panic("vec: " + fn + " row offset out of range")
		}
	}
}

// accumulateShape checks Accumulate's arguments and reports whether there
// is anything to do.
func accumulateShape(nacc, dv, np, pstride, nv int, offs []int) bool {
	if dv <= 0 || pstride < 0 {
		panic("vec: Accumulate with a non-positive row width or a negative p stride")
	}
	rows := nacc / dv
	if rows == 0 || len(offs) == 0 {
		return false
	}
	if (rows-1)*pstride+len(offs) > np {
		panic("vec: Accumulate weights out of range")
	}
	checkOffsets("Accumulate", offs, nv, dv)
	return true
}

// Exp returns e^x in float32 to within about 2 ulps (relative error below
// 3e-7): x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor
// polynomial (truncation error below 6e-9), scaled by 2^n through the
// exponent bits, every operation rounded to float32 on its own.
// Arguments below -87.33654 give 0 (no subnormals), NaN gives NaN, and
// arguments above 88 take math.Exp. It is the softmax exponential of the
// fallback kernels.
func Exp(x float32) float32 { return exp32(x) }

// ExpShift sets x[i] = Exp(x[i] − m) and returns the sum of the results
// (in an unspecified order): one block of an online softmax against its
// running maximum m. Every x[i] is bit-identical to Exp.
func ExpShift(x []float32, m float32) float32 { return expShift(x, m) }

// DotsGather sets x[r·xstride+i] = scale·Dot(q[r·d:(r+1)·d],
// k[offs[i]:offs[i]+d]) for every row r < len(q)/d and key i < len(offs):
// the scaled logits of several query rows over gathered key rows, each
// key row read once for every four query rows. The summation order is
// unspecified (Dot's bound holds); the sum is then multiplied by scale
// with one rounding. It panics when an offset or a row of x is out of
// range.
func DotsGather(x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	if dotsGatherShape(len(x), xstride, len(q), d, len(k), offs) {
		dotsGather(x, xstride, q[:len(q)/d*d], d, scale, k, offs)
	}
}

// DotsGatherBF16 is DotsGather with bfloat16 key rows, widened exactly.
func DotsGatherBF16(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	if dotsGatherShape(len(x), xstride, len(q), d, len(k), offs) {
		dotsGatherBF16(x, xstride, q[:len(q)/d*d], d, scale, k, offs)
	}
}

// dotsGatherShape checks DotsGather's arguments and reports whether there
// is anything to do.
func dotsGatherShape(nx, xstride, nq, d, nk int, offs []int) bool {
	if d <= 0 || xstride < 0 {
		panic("vec: DotsGather with a non-positive row width or a negative x stride")
	}
	rows := nq / d
	if rows == 0 || len(offs) == 0 {
		return false
	}
	if (rows-1)*xstride+len(offs) > nx {
		panic("vec: DotsGather results out of range")
	}
	checkOffsets("DotsGather", offs, nk, d)
	return true
}
