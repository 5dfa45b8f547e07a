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

// roundBF16 rounds f to bfloat16 bits as precision.BF16FromFloat32.
func roundBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16 | 0x0040)
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

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

// rotatePair is precision.RotatePair: four rounded products, a rounded
// difference and a rounded sum.
func rotatePair(a, b, c, s float32) (float32, float32) {
	ac, bs := float32(a*c), float32(b*s)
	bc, as := float32(b*c), float32(a*s)
	return ac - bs, bc + as
}

// rotateBF16Generic rotates the NeoX pairs i ≥ from of a bfloat16 head
// (half = len(c)) from src into dst.
func rotateBF16Generic(dst, src []uint16, c, s []float32, from int) {
	h := len(c)
	for i := from; i < h; i++ {
		x, y := rotatePair(bf16(src[i]), bf16(src[h+i]), c[i], s[i])
		dst[i], dst[h+i] = roundBF16(x), roundBF16(y)
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
