package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// forLevels runs f once per implementation level this CPU supports,
// naming the subtest after it.
func forLevels(t *testing.T, f func(t *testing.T, l int)) {
	t.Helper()
	forEachLevel(t, supported(), f)
}

// forRoundingLevels is forLevels for the kernels that round to
// bfloat16, which have one more level (levelAVX512BF16) on CPUs with
// AVX512-BF16.
func forRoundingLevels(t *testing.T, f func(t *testing.T, l int)) {
	t.Helper()
	forEachLevel(t, supportedRounding(), f)
}

func forEachLevel(t *testing.T, levels []int, f func(t *testing.T, l int)) {
	t.Helper()
	for _, l := range levels {
		t.Run(levelNames[l], func(t *testing.T) { f(t, l) })
	}
}

// testLengths are the slice lengths every kernel is tested at: all
// lengths 0..67 (every tail of both vector widths, with and without the
// unrolled loop) and some large ones.
var testLengths = func() []int {
	var n []int
	for i := range 68 {
		n = append(n, i)
	}
	return append(n, 127, 128, 129, 255, 1000, 4099)
}()

// testOffsets are element offsets of the slices within their buffer, so
// the kernels see every 4-byte misalignment of a 16-byte boundary.
var testOffsets = []int{0, 1, 2, 3}

// guard is the number of sentinel elements on each side of a guarded
// slice.
const guard = 19

// sentinel is a NaN payload no kernel produces.
const sentinel = 0x7fa5a5a5

// guardedF32 returns n elements at offset off inside a buffer whose
// other elements hold the sentinel, with check reporting any sentinel
// overwritten.
func guardedF32(n, off int) (s []float32, check func(t *testing.T)) {
	buf := make([]float32, off+n+2*guard)
	for i := range buf {
		buf[i] = math.Float32frombits(sentinel)
	}
	s = buf[guard+off : guard+off+n : guard+off+n]
	return s, func(t *testing.T) {
		t.Helper()
		for i, v := range buf {
			if (i < guard+off || i >= guard+off+n) && math.Float32bits(v) != sentinel {
				t.Fatalf("element %d outside the %d-element slice at offset %d was written: %#x", i-guard-off, n, off, math.Float32bits(v))
			}
		}
	}
}

// guardedU16 is guardedF32 for 16-bit elements.
func guardedU16(n, off int) (s []uint16, check func(t *testing.T)) {
	buf := make([]uint16, off+n+2*guard)
	for i := range buf {
		buf[i] = sentinel & 0xffff
	}
	s = buf[guard+off : guard+off+n : guard+off+n]
	return s, func(t *testing.T) {
		t.Helper()
		for i, v := range buf {
			if (i < guard+off || i >= guard+off+n) && v != sentinel&0xffff {
				t.Fatalf("element %d outside the %d-element slice at offset %d was written: %#x", i-guard-off, n, off, v)
			}
		}
	}
}

// at returns n elements at offset off of a fresh buffer (for inputs).
func at[T any](n, off int) []T { return make([]T, n+off+3)[off : off+n : off+n] }

// randNormal returns a float32 of random sign with magnitude in
// [2^lo, 2^hi): random exponent, random 23-bit mantissa.
func randNormal(r *rand.Rand, lo, hi int) float32 {
	e := lo + r.IntN(hi-lo)
	m := 1 + float64(r.Uint32()&(1<<23-1))/(1<<23)
	v := float32(math.Ldexp(m, e))
	if r.IntN(2) == 0 {
		v = -v
	}
	return v
}

// randBF16 returns the bits of a bfloat16 of random sign with magnitude
// in [2^lo, 2^hi).
func randBF16(r *rand.Rand, lo, hi int) uint16 {
	e := uint16(127 + lo + r.IntN(hi-lo))
	return uint16(r.IntN(2))<<15 | e<<7 | uint16(r.IntN(128))
}

// randInt returns a small integer in [-k, k] as float32.
func randInt(r *rand.Rand, k int) float32 { return float32(r.IntN(2*k+1) - k) }

// gamma is γ_n = n·u/(1 − n·u), the relative bound of any n-term
// floating-point summation of exact products in precision u.
func gamma(n int, u float64) float64 { return float64(n) * u / (1 - float64(n)*u) }

const u32 = 0x1p-24 // float32 unit roundoff
const u64 = 0x1p-53 // float64 unit roundoff

// widen is the exact bfloat16 → float32 conversion.
func widen(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }
