package precision

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func TestSliceConversions(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 1000
	src := make([]float32, n)
	src64 := make([]float64, n)
	for i := range src {
		src[i] = math.Float32frombits(rng.Uint32())
		src64[i] = randomFloat64(rng, -30, 20)
	}
	src[0], src[1] = float32(math.NaN()), float32(math.Inf(-1))
	bits := make([]uint16, n+3) // longer dst: only min(len) elements converted
	back := make([]float32, n)

	if got := BF16SliceFromFloat32(bits, src); got != n {
		t.Fatalf("BF16SliceFromFloat32 converted %d, want %d", got, n)
	}
	for i, f := range src {
		if bits[i] != uint16(BF16FromFloat32(f)) {
			t.Fatalf("BF16SliceFromFloat32[%d] = %#04x, want %#04x", i, bits[i], BF16FromFloat32(f))
		}
	}
	if got := Float32SliceFromBF16(back, bits); got != n {
		t.Fatalf("Float32SliceFromBF16 converted %d, want %d", got, n)
	}
	for i := range back {
		if math.Float32bits(back[i]) != math.Float32bits(BF16(bits[i]).Float32()) {
			t.Fatalf("Float32SliceFromBF16[%d] = %v", i, back[i])
		}
	}
	BF16SliceFromFloat64(bits, src64)
	for i, x := range src64 {
		if bits[i] != uint16(BF16FromFloat64(x)) {
			t.Fatalf("BF16SliceFromFloat64[%d] wrong", i)
		}
	}

	F16SliceFromFloat32(bits, src)
	for i, f := range src {
		if bits[i] != uint16(F16FromFloat32(f)) {
			t.Fatalf("F16SliceFromFloat32[%d] = %#04x, want %#04x", i, bits[i], F16FromFloat32(f))
		}
	}
	Float32SliceFromF16(back, bits)
	for i := range back {
		if math.Float32bits(back[i]) != math.Float32bits(F16(bits[i]).Float32()) {
			t.Fatalf("Float32SliceFromF16[%d] = %v", i, back[i])
		}
	}
	F16SliceFromFloat64(bits, src64)
	for i, x := range src64 {
		if bits[i] != uint16(F16FromFloat64(x)) {
			t.Fatalf("F16SliceFromFloat64[%d] wrong", i)
		}
	}

	wide := make([]float64, n)
	Float64SliceFromFloat32(wide, src)
	for i := range n {
		if !sameValue(wide[i], float64(src[i])) {
			t.Fatalf("Float64SliceFromFloat32[%d] = %v", i, wide[i])
		}
	}

	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		dst := make([]float32, n)
		RoundSlice(dt, dst, src)
		r64 := make([]float32, n)
		RoundSliceFromFloat64(dt, r64, src64)
		for i := range n {
			if !sameValue(float64(dst[i]), float64(Round(dt, src[i]))) {
				t.Fatalf("RoundSlice(%v)[%d] = %v, want %v", dt, i, dst[i], Round(dt, src[i]))
			}
			if r64[i] != RoundFromFloat64(dt, src64[i]) {
				t.Fatalf("RoundSliceFromFloat64(%v)[%d] wrong", dt, i)
			}
		}
		inPlace := append([]float32(nil), src...)
		RoundSlice(dt, inPlace, inPlace)
		for i := range n {
			if !sameValue(float64(inPlace[i]), float64(dst[i])) {
				t.Fatalf("in-place RoundSlice(%v)[%d] differs", dt, i)
			}
		}
	}
	dst := []float32{1, 2}
	if RoundSlice(ops.I32, dst, []float32{1, 2, 3}) != 2 || dst[0] == dst[0] || dst[1] == dst[1] {
		t.Errorf("RoundSlice(I32) = %v, want two NaNs", dst)
	}
	if BF16SliceFromFloat32(nil, src) != 0 || Float32SliceFromF16(back, nil) != 0 {
		t.Error("empty slices must convert nothing")
	}
}
