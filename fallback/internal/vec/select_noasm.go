//go:build purego || !amd64

package vec

import (
	"os"
	"unsafe"
)

// level is always the plain-Go loops here; ROTOR_SIMD cannot raise it.
var level, roundLevel = levels(capLevel(levelGeneric, os.Getenv("ROTOR_SIMD")))

// supported reports the levels this build can run, for the tests.
func supported() []int { return []int{levelGeneric} }

// supportedRounding is supported for the kernels that round to bfloat16.
func supportedRounding() []int { return supported() }

// Every level runs the plain-Go loops here.

func dot(a, b []float32) float32                               { return dotAt(level, a, b) }
func dotAt(_ int, a, b []float32) float32                      { return dotGeneric(a, b) }
func dotBF16(a []float32, b []uint16) float32                  { return dotBF16At(level, a, b) }
func dotBF16At(_ int, a []float32, b []uint16) float32         { return dotBF16Generic(a, b) }
func dots(dst, q, k []float32)                                 { dotsAt(level, dst, q, k) }
func dotsAt(_ int, dst, q, k []float32)                        { dotsGeneric(dst, q, k) }
func dotsBF16(dst, q []float32, k []uint16)                    { dotsBF16At(level, dst, q, k) }
func dotsBF16At(_ int, dst, q []float32, k []uint16)           { dotsBF16Generic(dst, q, k) }
func axpy(alpha float32, x, y []float32)                       { axpyAt(level, alpha, x, y) }
func axpyAt(_ int, alpha float32, x, y []float32)              { axpyGeneric(alpha, x, y) }
func axpyBF16(alpha float32, x []uint16, y []float32)          { axpyBF16At(level, alpha, x, y) }
func axpyBF16At(_ int, alpha float32, x []uint16, y []float32) { axpyBF16Generic(alpha, x, y) }
func scale(alpha float32, y []float32)                         { scaleAt(level, alpha, y) }
func scaleAt(_ int, alpha float32, y []float32)                { scaleGeneric(alpha, y) }
func bf16ToF32(dst []float32, src []uint16)                    { bf16ToF32At(level, dst, src) }
func bf16ToF32At(_ int, dst []float32, src []uint16)           { bf16ToF32Generic(dst, src) }
func f32ToBF16(dst []uint16, src []float32)                    { f32ToBF16At(roundLevel, dst, src) }
func f32ToBF16At(_ int, dst []uint16, src []float32)           { f32ToBF16Generic(dst, src) }
func f16ToF32(dst []float32, src []uint16)                     { f16ToF32At(level, dst, src) }
func f16ToF32At(_ int, dst []float32, src []uint16)            { f16ToF32Generic(dst, src) }
func f32ToF16(dst []uint16, src []float32)                     { f32ToF16At(level, dst, src) }
func f32ToF16At(_ int, dst []uint16, src []float32)            { f32ToF16Generic(dst, src) }
func rotate(x, y, c, s []float32)                              { rotateAt(level, x, y, c, s) }
func rotateAt(_ int, x, y, c, s []float32)                     { rotateGeneric(x, y, c, s) }
func rotateInterleaved(x, c, s []float32)                      { rotateInterleavedAt(level, x, c, s) }
func rotateInterleavedAt(_ int, x, c, s []float32)             { rotateInterleavedGeneric(x, c, s) }
func accurateCosSin(c, s []float32, pos int32, invFreq []float64, attn float64) {
	accurateCosSinGeneric(c, s, pos, invFreq, attn)
}
func accurateCosSinAt(_ int, c, s []float32, pos int32, invFreq []float64, attn float64) {
	accurateCosSinGeneric(c, s, pos, invFreq, attn)
}
func compatCosSin(c, s []float32, pos int32, invFreq []float32, attn float64) {
	compatCosSinGeneric(c, s, pos, invFreq, attn)
}
func compatCosSinAt(_ int, c, s []float32, pos int32, invFreq []float32, attn float64) {
	compatCosSinGeneric(c, s, pos, invFreq, attn)
}
func rotateBF16(dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16At(level, dst, src, c, s, heads, stride)
}
func rotateBF16At(_ int, dst, src []uint16, c, s []float32, heads, stride int) {
	for h := range heads {
		rotateBF16Generic(dst[h*stride:], src[h*stride:], c, s, 0)
	}
}
func rotateBF16Split(dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16At(level, dst, src, c, s, heads, stride)
}
func rotateBF16SplitAt(l int, dst, src []uint16, c, s []float32, heads, stride int) {
	rotateBF16At(l, dst, src, c, s, heads, stride)
}
func rotatePairsBF16(dst, src []uint16, c, s []float32, heads, stride int) {
	rotatePairsBF16At(level, dst, src, c, s, heads, stride)
}
func rotatePairsBF16At(_ int, dst, src []uint16, c, s []float32, heads, stride int) {
	for h := range heads {
		rotateInterleavedBF16Generic(dst[h*stride:], src[h*stride:], c, s, 0)
	}
}
func rotateF16(dst, src []uint16, c, s []float32, heads, stride int) {
	rotateF16At(level, dst, src, c, s, heads, stride)
}
func rotateF16At(_ int, dst, src []uint16, c, s []float32, heads, stride int) {
	for h := range heads {
		rotateF16Generic(dst[h*stride:], src[h*stride:], c, s, 0)
	}
}
func rotateHeads(x, c, s []float32, heads, stride int) { rotateHeadsAt(level, x, c, s, heads, stride) }
func rotateHeadsAt(_ int, x, c, s []float32, heads, stride int) {
	half := len(c)
	for h := range heads {
		o := h * stride
		rotateGeneric(x[o:o+half], x[o+half:o+2*half], c, s)
	}
}
func prefetchBytes(unsafe.Pointer, int) {}
func accumulate(acc []float32, dv int, p []float32, pstride int, v []float32, offs []int) {
	accumulateGeneric(acc, dv, p, pstride, v, offs, 0)
}
func accumulateAt(_ int, acc []float32, dv int, p []float32, pstride int, v []float32, offs []int) {
	accumulateGeneric(acc, dv, p, pstride, v, offs, 0)
}
func accumulateBF16(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16Generic(acc, dv, p, pstride, v, offs, 0)
}
func accumulateBF16At(_ int, acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int) {
	accumulateBF16Generic(acc, dv, p, pstride, v, offs, 0)
}
func expShift(x []float32, m float32) float32          { return expShiftGeneric(x, m) }
func expShiftAt(_ int, x []float32, m float32) float32 { return expShiftGeneric(x, m) }
func dotsGather(x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	dotsGatherGeneric(x, xstride, q, d, scale, k, offs, 0)
}
func dotsGatherAt(_ int, x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int) {
	dotsGatherGeneric(x, xstride, q, d, scale, k, offs, 0)
}
func dotsGatherBF16(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, 0)
}
func dotsGatherBF16At(_ int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int) {
	dotsGatherBF16Generic(x, xstride, q, d, scale, k, offs, 0)
}
