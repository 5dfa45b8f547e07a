package vec

import (
	"fmt"
	"math"
	"testing"
)

// benchSizes is the size ladder: in L1, in L2, and past the caches.
var benchSizes = []int{16, 128, 1024, 16384, 262144}

// benchLevels runs f as sub-benchmarks impl=<level>/n=<size> for every
// supported level, reporting GB/s from bytes per element.
func benchLevels(b *testing.B, bytesPerElem int, f func(l int, n int) func()) {
	benchLevelsOf(b, supported(), bytesPerElem, f)
}

// benchRoundingLevels is benchLevels for the kernels that round to
// bfloat16 (supportedRounding).
func benchRoundingLevels(b *testing.B, bytesPerElem int, f func(l int, n int) func()) {
	benchLevelsOf(b, supportedRounding(), bytesPerElem, f)
}

func benchLevelsOf(b *testing.B, levels []int, bytesPerElem int, f func(l int, n int) func()) {
	for _, l := range levels {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", levelNames[l], n), func(b *testing.B) {
				run := f(l, n)
				b.SetBytes(int64(n * bytesPerElem))
				for b.Loop() {
					run()
				}
			})
		}
	}
}

func f32Ramp(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%97) * 0.125
	}
	return x
}

// unitAngles returns the cos and sin of n angles: a rotation keeps its
// operands' size, so benchmarks that rotate in place, call after call,
// stay on ordinary finite values.
func unitAngles(n int) (c, s []float32) {
	c, s = make([]float32, n), make([]float32, n)
	for i := range c {
		c[i], s[i] = float32(math.Cos(0.1*float64(i+1))), float32(math.Sin(0.1*float64(i+1)))
	}
	return c, s
}

func u16Ramp(n int) []uint16 {
	x := make([]uint16, n)
	for i := range x {
		x[i] = 0x3f00 | uint16(i%127)
	}
	return x
}

var sink float32

func BenchmarkDot(b *testing.B) {
	benchLevels(b, 8, func(l, n int) func() {
		x, y := f32Ramp(n), f32Ramp(n)
		return func() { sink = dotAt(l, x, y) }
	})
}

func BenchmarkDotBF16(b *testing.B) {
	benchLevels(b, 6, func(l, n int) func() {
		x, y := f32Ramp(n), u16Ramp(n)
		return func() { sink = dotBF16At(l, x, y) }
	})
}

// BenchmarkDots is four query rows of n against one key row; bytes count
// the rows read.
func BenchmarkDots(b *testing.B) {
	benchLevels(b, 5*4, func(l, n int) func() {
		q, k, d := f32Ramp(4*n), f32Ramp(n), make([]float32, 4)
		return func() { dotsAt(l, d, q, k) }
	})
}

func BenchmarkDotsBF16(b *testing.B) {
	benchLevels(b, 4*4+2, func(l, n int) func() {
		q, k, d := f32Ramp(4*n), u16Ramp(n), make([]float32, 4)
		return func() { dotsBF16At(l, d, q, k) }
	})
}

func BenchmarkAxpy(b *testing.B) {
	benchLevels(b, 12, func(l, n int) func() {
		x, y := f32Ramp(n), f32Ramp(n)
		return func() { axpyAt(l, 0.5, x, y); axpyAt(l, -0.5, x, y) }
	})
}

func BenchmarkAxpyBF16(b *testing.B) {
	benchLevels(b, 10, func(l, n int) func() {
		x, y := u16Ramp(n), f32Ramp(n)
		return func() { axpyBF16At(l, 0.5, x, y); axpyBF16At(l, -0.5, x, y) }
	})
}

func BenchmarkScale(b *testing.B) {
	benchLevels(b, 8, func(l, n int) func() {
		y := f32Ramp(n)
		return func() { scaleAt(l, 1, y) }
	})
}

func BenchmarkRotate(b *testing.B) {
	benchLevels(b, 24, func(l, n int) func() {
		x, y := f32Ramp(n), f32Ramp(n)
		c, s := unitAngles(n)
		return func() { rotateAt(l, x, y, c, s) }
	})
}

func BenchmarkBF16ToF32(b *testing.B) {
	benchLevels(b, 6, func(l, n int) func() {
		src, dst := u16Ramp(n), make([]float32, n)
		return func() { bf16ToF32At(l, dst, src) }
	})
}

func BenchmarkF32ToBF16(b *testing.B) {
	benchRoundingLevels(b, 6, func(l, n int) func() {
		src, dst := f32Ramp(n), make([]uint16, n)
		return func() { f32ToBF16At(l, dst, src) }
	})
}

func BenchmarkF16ToF32(b *testing.B) {
	benchLevels(b, 6, func(l, n int) func() {
		src, dst := u16Ramp(n), make([]float32, n)
		return func() { f16ToF32At(l, dst, src) }
	})
}

func BenchmarkF32ToF16(b *testing.B) {
	benchLevels(b, 6, func(l, n int) func() {
		src, dst := f32Ramp(n), make([]uint16, n)
		return func() { f32ToF16At(l, dst, src) }
	})
}

// BenchmarkRotateBF16 rotates a bfloat16 head of 2n elements in place;
// bytes count it read and written.
func BenchmarkRotateBF16(b *testing.B) {
	benchRoundingLevels(b, 8, func(l, n int) func() {
		x := u16Ramp(2 * n)
		c, s := unitAngles(n)
		return func() { rotateBF16At(l, x, x, c, s, 1, 0) }
	})
}

// BenchmarkRotateBF16Split is BenchmarkRotateBF16 with split tables.
func BenchmarkRotateBF16Split(b *testing.B) {
	benchRoundingLevels(b, 8, func(l, n int) func() {
		x := u16Ramp(2 * n)
		c, s := unitAngles(n)
		return func() { rotateBF16SplitAt(l, x, x, c, s, 1, 0) }
	})
}

// BenchmarkRotateInterleavedBF16 rotates a GPT-J bfloat16 head of n
// pairs in place; bytes count it read and written.
func BenchmarkRotateInterleavedBF16(b *testing.B) {
	benchRoundingLevels(b, 8, func(l, n int) func() {
		x := u16Ramp(2 * n)
		c, s := unitAngles(n)
		return func() { rotatePairsBF16At(l, x, x, c, s, 1, 0) }
	})
}

// BenchmarkRotateBF16Row rotates the 40 bfloat16 heads of 128 elements
// of one Llama-3.1-8B token (q and k) in place, 64 pairs each, with the
// natural-order, split-order and GPT-J kernels; bytes count the row read
// and written.
func BenchmarkRotateBF16Row(b *testing.B) {
	const heads, d = 40, 128
	kernels := []struct {
		name string
		rot  func(l int, dst, src []uint16, c, s []float32, heads, stride int)
	}{{"natural", rotateBF16At}, {"split", rotateBF16SplitAt}, {"gptj", rotatePairsBF16At}}
	for _, l := range supportedRounding() {
		for _, k := range kernels {
			b.Run(fmt.Sprintf("impl=%s/kernel=%s", levelNames[l], k.name), func(b *testing.B) {
				x := u16Ramp(heads * d)
				c, s := unitAngles(d / 2)
				b.SetBytes(2 * 2 * heads * d)
				for b.Loop() {
					k.rot(l, x, x, c, s, heads, d)
				}
			})
		}
	}
}

// BenchmarkAccurateCosSin computes n cos/sin pairs of one position;
// bytes count the float32 outputs.
func BenchmarkAccurateCosSin(b *testing.B) {
	benchLevels(b, 8, func(l, n int) func() {
		inv, c, s := make([]float64, n), make([]float32, n), make([]float32, n)
		for i := range inv {
			inv[i] = 1 / float64(i+1)
		}
		return func() { accurateCosSinAt(l, c, s, 123457, inv, 1) }
	})
}

// BenchmarkAccumulateBF16 is attention's P·V for four lanes over 32
// gathered bfloat16 value rows of n columns; bytes count the rows read.
func BenchmarkAccumulateBF16(b *testing.B) {
	benchLevels(b, 32*2, func(l, n int) func() {
		const keys = 32
		v, p, acc := u16Ramp(keys*n), f32Ramp(4*keys), make([]float32, 4*n)
		offs := make([]int, keys)
		for i := range offs {
			offs[i] = ((i * 7) % keys) * n
		}
		return func() { accumulateBF16At(l, acc, n, p, keys, v, offs) }
	})
}

// BenchmarkExpShift is one online-softmax block update of n logits.
func BenchmarkExpShift(b *testing.B) {
	benchLevels(b, 8, func(l, n int) func() {
		x, x0 := make([]float32, n), f32Ramp(n)
		return func() { copy(x, x0); sink = expShiftAt(l, x, 20) }
	})
}

// benchGather runs f as sub-benchmarks impl=<level>/rows=<r> for the
// decode shape of the gathered bfloat16 kernels: r query rows (lanes)
// over 16 keys of d = 128 gathered from a pool that stays in the L1
// cache, reporting ns per (key, four rows).
func benchGather(b *testing.B, f func(l, rows int, q []float32, p []float32, pool []uint16, offs []int) func()) {
	const keys, d = 16, 128
	pool := u16Ramp(2 * keys * d)
	offs := make([]int, keys)
	for i := range offs {
		offs[i] = ((i * 7) % (2 * keys)) * d
	}
	for _, l := range supported() {
		for _, rows := range []int{4, 7} {
			b.Run(fmt.Sprintf("impl=%s/rows=%d", levelNames[l], rows), func(b *testing.B) {
				q, p := f32Ramp(rows*d), f32Ramp(rows*keys)
				for i := range p {
					p[i] *= 1e-3
				}
				run := f(l, rows, q, p, pool, offs)
				for b.Loop() {
					run()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/keys*4/float64(rows), "ns/key4")
			})
		}
	}
}

// BenchmarkDotsGatherBF16 is attention's logits of a decode work item
// over gathered bfloat16 key rows (natural-order queries).
func BenchmarkDotsGatherBF16(b *testing.B) {
	benchGather(b, func(l, rows int, q, _ []float32, pool []uint16, offs []int) func() {
		x := make([]float32, rows*len(offs))
		return func() { dotsGatherBF16At(l, x, len(offs), q, 128, 0.088, pool, offs) }
	})
}

// BenchmarkDotsGatherBF16Split is BenchmarkDotsGatherBF16 with the
// queries in pair-split order.
func BenchmarkDotsGatherBF16Split(b *testing.B) {
	benchGather(b, func(l, rows int, q, _ []float32, pool []uint16, offs []int) func() {
		x := make([]float32, rows*len(offs))
		return func() { dotsGatherBF16SplitAt(l, x, len(offs), q, 128, 0.088, pool, offs) }
	})
}

// BenchmarkAccumulateBF16Gather is attention's P·V of a decode work item
// over gathered bfloat16 value rows (natural-order accumulators).
func BenchmarkAccumulateBF16Gather(b *testing.B) {
	benchGather(b, func(l, rows int, _, p []float32, pool []uint16, offs []int) func() {
		acc := make([]float32, rows*128)
		return func() { accumulateBF16At(l, acc, 128, p, len(offs), pool, offs) }
	})
}

// BenchmarkAccumulateBF16Split is BenchmarkAccumulateBF16Gather with the
// accumulators in pair-split order.
func BenchmarkAccumulateBF16Split(b *testing.B) {
	benchGather(b, func(l, rows int, _, p []float32, pool []uint16, offs []int) func() {
		acc := make([]float32, rows*128)
		return func() { accumulateBF16SplitAt(l, acc, 128, p, len(offs), pool, offs) }
	})
}

// BenchmarkAttendBF16Split is the fused decode block (logits, softmax
// update and P·V) over the same gathered keys, used as values too.
func BenchmarkAttendBF16Split(b *testing.B) {
	benchGather(b, func(l, rows int, q, _ []float32, pool []uint16, offs []int) func() {
		x := make([]float32, rows*len(offs))
		m, ls, acc := make([]float32, rows), make([]float32, rows), make([]float32, rows*128)
		for i := range q {
			q[i] *= 1e-3
		}
		return func() {
			attendBF16SplitAt(l, x, len(offs), q, 128, 0.088, pool, offs, pool, offs, 128, m, ls, acc)
		}
	})
}

// BenchmarkVote times the soft vote's kernels over n scores of one head
// in cache: the maximum, the normaliser, and one head's SoftVote terms
// (the exponential again).
func BenchmarkVote(b *testing.B) {
	for _, k := range []string{"max", "expsum64", "softvote"} {
		b.Run("kernel="+k, func(b *testing.B) {
			benchLevels(b, 4, func(l, n int) func() {
				x, w := f32Ramp(n), make([]float32, n)
				for i := range x {
					x[i] -= 20
				}
				switch k {
				case "max":
					return func() { sink = maxOrderedAt(l, x) }
				case "expsum64":
					return func() { sink = float32(expSum64At(l, x, 0)) }
				}
				offs, m, inv := []int{0}, []float32{0}, []float32{1}
				return func() { softVoteAt(l, w, x, offs, m, inv) }
			})
		})
	}
}
