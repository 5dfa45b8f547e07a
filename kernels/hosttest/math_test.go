//go:build cgo

package hosttest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/precision"
)

func TestHeadersFresh(t *testing.T) {
	if got, want := HeadersDigest(), kernels.HeadersDigest(); got != want {
		t.Fatalf("package built from headers with digest %s, the headers now have %s: run go generate ./kernels/hosttest", got, want)
	}
}

// angles returns float64 angles that stress the reduction: multiples of
// π/2 and their neighbours, huge positions times real inverse
// frequencies, and random values.
func angles(r *rand.Rand) []float64 {
	var th []float64
	for k := 0; k < 2000; k++ {
		x := float64(k) * math.Pi / 2
		th = append(th, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)))
	}
	for _, p := range []int32{0, 1, 2, 3, 4095, 8191, 131071, 1 << 20, 1<<24 + 1, math.MaxInt32 - 1, math.MaxInt32} {
		for j := 0; j < 64; j++ {
			th = append(th, float64(p)*math.Pow(500000, -float64(j)/64))
		}
	}
	for i := 0; i < 50000; i++ {
		th = append(th, r.Float64()*math.Ldexp(1, r.IntN(32)))
	}
	return th
}

func TestSinCos64BitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	th := angles(r)
	s, c := SinCos64(th)
	for i, x := range th {
		ws, wc := precision.SinCos64(x)
		if math.Float64bits(s[i]) != math.Float64bits(ws) || math.Float64bits(c[i]) != math.Float64bits(wc) {
			t.Fatalf("sincos64(%v) = (%v, %v), precision.SinCos64 = (%v, %v)", x, s[i], c[i], ws, wc)
		}
	}
}

// invFreqs returns Llama-3-like inverse frequencies in float64 and the
// float32 table Compat angles use.
func invFreqs(pairs int, base float64) ([]float64, []float32) {
	f64 := make([]float64, pairs)
	f32 := make([]float32, pairs)
	for j := range f64 {
		f64[j] = math.Pow(base, -float64(2*j)/float64(2*pairs))
		f32[j] = float32(1 / math.Pow(base, float64(float32(2*j)/float32(2*pairs))))
	}
	return f64, f32
}

func positions(r *rand.Rand, n int) []int32 {
	p := []int32{0, 1, 2, 4096, 1<<24 - 1, 1 << 24, 1<<24 + 1, math.MaxInt32 - 1, math.MaxInt32}
	for len(p) < n {
		p = append(p, int32(r.Uint32()>>uint(1+r.IntN(31))))
	}
	return p
}

func TestAngleFunctionsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	f64, f32 := invFreqs(64, 500000)
	var pos []int32
	var fd []float64
	var ff []float32
	for _, p := range positions(r, 400) {
		for j := range f64 {
			pos, fd, ff = append(pos, p), append(fd, f64[j]), append(ff, f32[j])
		}
	}
	for _, attn := range []float64{1, 0.1*math.Log(8) + 1, 1.2247448713915890491} {
		c, s := AccurateCosSin(pos, fd, attn)
		cc, cs := CompatCosSin(pos, ff, attn)
		ang := CompatAngle(pos, ff)
		for i := range pos {
			wc, ws := precision.AccurateCosSin(pos[i], fd[i], attn)
			if math.Float32bits(c[i]) != math.Float32bits(wc) || math.Float32bits(s[i]) != math.Float32bits(ws) {
				t.Fatalf("accurate_cos_sin(%d, %v, %v) = (%v, %v), want (%v, %v)", pos[i], fd[i], attn, c[i], s[i], wc, ws)
			}
			wc, ws = precision.CompatCosSin(pos[i], ff[i], attn)
			if math.Float32bits(cc[i]) != math.Float32bits(wc) || math.Float32bits(cs[i]) != math.Float32bits(ws) {
				t.Fatalf("compat_cos_sin(%d, %v, %v) = (%v, %v), want (%v, %v)", pos[i], ff[i], attn, cc[i], cs[i], wc, ws)
			}
			if wa := precision.CompatAngle(pos[i], ff[i]); math.Float32bits(ang[i]) != math.Float32bits(wa) {
				t.Fatalf("compat_angle(%d, %v) = %v, want %v", pos[i], ff[i], ang[i], wa)
			}
		}
	}
}

// TestAccurateAgainstFP64 checks the host build against an independent
// truth: the float32 cos of pos*inv_freq must be within one float32 ulp
// of the value computed with big-float-free fp64 reduction by
// math.Sincos, for angles below 2^20 where math.Sincos is exact enough.
func TestAccurateAgainstFP64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var pos []int32
	var fd []float64
	for i := 0; i < 20000; i++ {
		pos = append(pos, int32(r.IntN(1<<20)))
		fd = append(fd, math.Pow(10000, -r.Float64()))
	}
	c, s := AccurateCosSin(pos, fd, 1)
	for i := range pos {
		ws, wc := math.Sincos(float64(pos[i]) * fd[i])
		if d := math.Abs(float64(c[i]) - wc); d > ulp32(wc) {
			t.Fatalf("cos(%d*%v) = %v, fp64 %v: error %g > 1 ulp", pos[i], fd[i], c[i], wc, d)
		}
		if d := math.Abs(float64(s[i]) - ws); d > ulp32(ws) {
			t.Fatalf("sin(%d*%v) = %v, fp64 %v: error %g > 1 ulp", pos[i], fd[i], s[i], ws, d)
		}
	}
}

// ulp32 is the float32 spacing at |x| (at least the smallest normal's).
func ulp32(x float64) float64 {
	f := float32(math.Abs(x))
	if f < 0x1p-126 {
		return 0x1p-149
	}
	return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
}

func TestRotatePairBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	n := 200000
	a, b, c, s := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range a {
		a[i] = float32(r.NormFloat64() * math.Ldexp(1, r.IntN(40)-20))
		b[i] = float32(r.NormFloat64() * math.Ldexp(1, r.IntN(40)-20))
		th := r.Float64() * 2 * math.Pi
		c[i], s[i] = float32(math.Cos(th)), float32(math.Sin(th))
	}
	a[0], b[0] = float32(math.Inf(1)), 1
	a[1], b[1] = 0x1p-140, -0x1p-149
	ra, rb := RotatePair(a, b, c, s)
	for i := range a {
		wa, wb := precision.RotatePair(a[i], b[i], c[i], s[i])
		if math.Float32bits(ra[i]) != math.Float32bits(wa) || math.Float32bits(rb[i]) != math.Float32bits(wb) {
			t.Fatalf("rotate_pair(%v, %v, %v, %v) = (%v, %v), want (%v, %v)", a[i], b[i], c[i], s[i], ra[i], rb[i], wa, wb)
		}
	}
}
