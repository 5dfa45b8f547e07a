package vec

import (
	"math"

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
		u := math.Float32bits(f)
		if u&0x7fffffff > 0x7f800000 {
			dst[i] = uint16(u>>16 | 0x0040)
			continue
		}
		u += 0x7fff + (u>>16)&1
		dst[i] = uint16(u >> 16)
	}
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
		a, b := x[i], y[i]
		ac, bs := float32(a*c[i]), float32(b*s[i])
		bc, as := float32(b*c[i]), float32(a*s[i])
		x[i], y[i] = ac-bs, bc+as
	}
}
