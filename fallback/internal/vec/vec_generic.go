package vec

import (
	"math"

	"github.com/rotorkernels/rotor/precision"

	"github.com/x448/float16"
)

// The plain-Go definitions: the purego path, the tails the assembly
// leaves, and the reference of the tests.

func dotGeneric(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(a)
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dotBF16Generic(a []float32, b []uint16) float32 {
	var s0, s1, s2, s3 float32
	n := len(a)
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += a[i] * bf16(b[i])
		s1 += a[i+1] * bf16(b[i+1])
		s2 += a[i+2] * bf16(b[i+2])
		s3 += a[i+3] * bf16(b[i+3])
	}
	for ; i < n; i++ {
		s0 += a[i] * bf16(b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// bf16 widens bfloat16 bits to float32.
func bf16(u uint16) float32 { return math.Float32frombits(uint32(u) << 16) }

func dotsGeneric(dst, q, k []float32) {
	D := len(k)
	for h := range dst {
		dst[h] = dotGeneric(q[h*D:(h+1)*D], k)
	}
}

func dotsBF16Generic(dst, q []float32, k []uint16) {
	D := len(k)
	for h := range dst {
		dst[h] = dotBF16Generic(q[h*D:(h+1)*D], k)
	}
}

func axpyGeneric(alpha float32, x, y []float32) {
	for i := range y {
		y[i] += alpha * x[i]
	}
}

func axpyBF16Generic(alpha float32, x []uint16, y []float32) {
	for i := range y {
		y[i] += alpha * bf16(x[i])
	}
}

func scaleGeneric(alpha float32, y []float32) {
	for i := range y {
		y[i] *= alpha
	}
}

func bf16ToF32Generic(dst []float32, src []uint16) {
	for i, v := range src {
		dst[i] = math.Float32frombits(uint32(v) << 16)
	}
}

func f32ToBF16Generic(dst []uint16, src []float32) {
	for i, f := range src {
		dst[i] = roundBF16(f)
	}
}

// roundBF16 rounds f to bfloat16 bits: precision.BF16FromFloat32.
func roundBF16(f float32) uint16 { return uint16(precision.BF16FromFloat32(f)) }

func f16ToF32Generic(dst []float32, src []uint16) {
	for i, v := range src {
		dst[i] = float16.Frombits(v).Float32()
	}
}

func f32ToF16Generic(dst []uint16, src []float32) {
	for i, f := range src {
		dst[i] = float16.Fromfloat32(f).Bits()
	}
}

// rotateGeneric rotates pairs (x[i], y[i]) by (c[i], s[i]) with
// precision.RotatePair's exact operation order.
func rotateGeneric(x, y, c, s []float32) {
	for i := range x {
		x[i], y[i] = rotatePair(x[i], y[i], c[i], s[i])
	}
}

// rotatePair is precision.RotatePair, the single definition of the
// rotation arithmetic.
func rotatePair(a, b, c, s float32) (float32, float32) { return precision.RotatePair(a, b, c, s) }

// rotateBF16Generic rotates the NeoX pairs i ≥ from of a bfloat16 head
// (half = len(c)) from src into dst.
func rotateBF16Generic(dst, src []uint16, c, s []float32, from int) {
	h := len(c)
	for i := from; i < h; i++ {
		x, y := rotatePair(bf16(src[i]), bf16(src[h+i]), c[i], s[i])
		dst[i], dst[h+i] = roundBF16(x), roundBF16(y)
	}
}

// rotateInterleavedBF16Generic rotates the GPT-J pairs i ≥ from of a
// bfloat16 head (len(c) pairs) from src into dst.
func rotateInterleavedBF16Generic(dst, src []uint16, c, s []float32, from int) {
	for i := from; i < len(c); i++ {
		a, b := rotatePair(bf16(src[2*i]), bf16(src[2*i+1]), c[i], s[i])
		dst[2*i], dst[2*i+1] = roundBF16(a), roundBF16(b)
	}
}

// rotateF16Generic is rotateBF16Generic for binary16 heads.
func rotateF16Generic(dst, src []uint16, c, s []float32, from int) {
	h := len(c)
	for i := from; i < h; i++ {
		x, y := rotatePair(float16.Frombits(src[i]).Float32(), float16.Frombits(src[h+i]).Float32(), c[i], s[i])
		dst[i], dst[h+i] = float16.Fromfloat32(x).Bits(), float16.Fromfloat32(y).Bits()
	}
}

// rotateInterleavedGeneric rotates the GPT-J pairs (x[2i], x[2i+1]).
func rotateInterleavedGeneric(x, c, s []float32) {
	for i := range c {
		x[2*i], x[2*i+1] = rotatePair(x[2*i], x[2*i+1], c[i], s[i])
	}
}

func accurateCosSinGeneric(c, s []float32, pos int32, invFreq []float64, attn float64) {
	for i := range c {
		c[i], s[i] = precision.AccurateCosSin(pos, invFreq[i], attn)
	}
}

func compatCosSinGeneric(c, s []float32, pos int32, invFreq []float32, attn float64) {
	for i := range c {
		c[i], s[i] = precision.CompatCosSin(pos, invFreq[i], attn)
	}
}

// accumulateGeneric is Accumulate over the columns d ≥ from.
func accumulateGeneric(acc []float32, dv int, p []float32, pstride int, v []float32, offs []int, from int) {
	for r := range len(acc) / dv {
		a := acc[r*dv+from : (r+1)*dv]
		for i, o := range offs {
			w, row := p[r*pstride+i], v[o+from:o+dv]
			for d := range a {
				a[d] += w * row[d]
			}
		}
	}
}

// accumulateBF16Generic is AccumulateBF16 over the columns d ≥ from.
func accumulateBF16Generic(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int, from int) {
	for r := range len(acc) / dv {
		a := acc[r*dv+from : (r+1)*dv]
		for i, o := range offs {
			w, row := p[r*pstride+i], v[o+from:o+dv]
			for d := range a {
				a[d] += w * bf16(row[d])
			}
		}
	}
}

// Constants of exp32: ln 2 split so that n·expLn2Hi is exact for |n| <
// 2^10, log2(e), and the range of the polynomial path.
const (
	expLog2E = 1.44269504088896341
	expLn2Hi = 0.693145751953125
	expLn2Lo = 1.42860682030941723212e-6
	// expMin is the argument below which exp32 returns 0: e^expMin is
	// the smallest normal float32.
	expMin = -87.33654
	// expMax bounds the polynomial path so 2^n stays a finite float32.
	expMax = 88
)

// exp32 is Exp. Every product is rounded on its own (explicit float32
// conversions keep the compiler from fusing them), so the assembly can
// repeat the operations exactly.
func exp32(x float32) float32 {
	if !(x >= expMin) {
		if x != x {
			return x
		}
		return 0
	}
	if x > expMax {
		return float32(math.Exp(float64(x)))
	}
	h := float32(0.5)
	if x < 0 {
		h = -0.5
	}
	n := float32(int32(float32(x*expLog2E) + h))
	r := x - float32(n*expLn2Hi)
	r -= float32(n * expLn2Lo)
	p := float32(1.0 / 5040)
	p = float32(p*r) + 1.0/720
	p = float32(p*r) + 1.0/120
	p = float32(p*r) + 1.0/24
	p = float32(p*r) + 1.0/6
	p = float32(p*r) + 0.5
	p = float32(p*r) + 1
	p = float32(p*r) + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

func expShiftGeneric(x []float32, m float32) float32 {
	var sum float32
	for i, v := range x {
		p := exp32(v - m)
		x[i] = p
		sum += p
	}
	return sum
}

// dotsGatherGeneric is DotsGather over the columns c ≥ from: with from
// = 0 it sets x to the scaled sums; with from > 0 x holds the unscaled
// sums of the columns before from, to which the rest is added before
// scaling.
func dotsGatherGeneric(x []float32, xstride int, q []float32, d int, scale float32, k []float32, offs []int, from int) {
	for r := range len(q) / d {
		qr := q[r*d+from : (r+1)*d]
		for i, o := range offs {
			s := dotGeneric(qr, k[o+from:o+d])
			if from > 0 {
				s += x[r*xstride+i]
			}
			x[r*xstride+i] = s * scale
		}
	}
}

// dotsGatherBF16Generic is dotsGatherGeneric with bfloat16 keys.
func dotsGatherBF16Generic(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, from int) {
	for r := range len(q) / d {
		qr := q[r*d+from : (r+1)*d]
		for i, o := range offs {
			s := dotBF16Generic(qr, k[o+from:o+d])
			if from > 0 {
				s += x[r*xstride+i]
			}
			x[r*xstride+i] = s * scale
		}
	}
}
