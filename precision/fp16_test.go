package precision

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestF16FromFloat64Oracle(t *testing.T) {
	check := func(x float64) bool {
		got := F16FromFloat64(x).Float64()
		if want := oracleF16(x); !sameValue(got, want) {
			t.Errorf("F16FromFloat64(%v = %#016x) = %v, want %v", x, math.Float64bits(x), got, want)
			return false
		}
		return true
	}
	bounds := boundaryFloat64(11, -14, 15)
	naiveWrong := 0
	for _, x := range bounds {
		check(x)
		if !sameValue(F16FromFloat32(float32(x)).Float64(), oracleF16(x)) {
			naiveWrong++
		}
	}
	if naiveWrong == 0 {
		t.Errorf("no boundary input exposes fp64→fp32→fp16 double rounding; the test set is too weak")
	}
	t.Logf("%d boundary inputs; plain float32 conversion first would misround %d of them", len(bounds), naiveWrong)
	rng := rand.New(rand.NewPCG(7, 8))
	bad := 0
	for range 300000 {
		if !check(randomFloat64(rng, -27, 17)) {
			if bad++; bad > 10 {
				t.Fatal("too many failures")
			}
		}
	}
}

// TestF16FromFloat32Boundaries checks float32 → binary16 at every
// midpoint between consecutive binary16 values (and one float32 step to
// either side), plus a random sample, against the math/big oracle.
func TestF16FromFloat32Boundaries(t *testing.T) {
	var xs []float32
	for u := range 0x7c00 { // every finite non-negative binary16 and the next one up
		a, b := F16(u).Float64(), F16(u+1).Float64()
		mid := float32((a + b) / 2) // exact: binary16 midpoints need 12 bits
		xs = append(xs, F16(u).Float32(), mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9))
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200000 {
		xs = append(xs, math.Float32frombits(rng.Uint32()))
	}
	for _, f := range xs {
		for _, v := range []float32{f, -f} {
			if v != v {
				continue
			}
			if got, want := F16FromFloat32(v).Float64(), oracleF16(float64(v)); !sameValue(got, want) {
				t.Fatalf("F16FromFloat32(%v = %#08x) = %v, want %v", v, math.Float32bits(v), got, want)
			}
		}
	}
}

func TestF16NaNAndAllValues(t *testing.T) {
	for _, u := range []uint64{0x7ff0_0000_0000_0001, 0xfff0_0000_0000_0001, 0x7ff8_0000_0000_0000, 0xfff4_0000_0000_0000} {
		x := math.Float64frombits(u)
		h := F16FromFloat64(x)
		if !h.IsNaN() || h.IsInf() || h.Signbit() != (u>>63 == 1) || h&0x0200 == 0 {
			t.Errorf("F16FromFloat64(%#016x) = %#04x: want a quiet NaN with the sign kept", u, h)
		}
	}
	for u := range 1 << 16 {
		h := F16(u)
		f := h.Float32()
		isNaN, isInf := f != f, math.IsInf(float64(f), 0)
		if h.IsNaN() != isNaN || h.IsInf() != isInf || h.Signbit() != math.Signbit(float64(f)) {
			t.Fatalf("F16(%#04x): predicates disagree with float32 %v", u, f)
		}
		if isNaN {
			continue
		}
		// The exact value, decoded independently: (−1)^s · m · 2^(e−25)
		// with the hidden bit for normals.
		e, m := int(u>>10&0x1f), float64(u&0x3ff)
		want := math.Ldexp(m, -24)
		if e > 0 {
			want = math.Ldexp(1024+m, e-25)
		}
		if e == 0x1f {
			want = math.Inf(1)
		}
		if u&0x8000 != 0 {
			want = -want
		}
		if float64(f) != want || h.Float64() != want {
			t.Fatalf("F16(%#04x) = %v, want %v", u, f, want)
		}
		if F16FromFloat32(f) != h || F16FromFloat64(want) != h || RoundF16(f) != f || F16FromBits(uint16(u)).Bits() != uint16(u) {
			t.Fatalf("F16 %#04x does not round-trip", u)
		}
	}
	if F16MaxFinite.Float64() != 65504 || F16MinNormal.Float64() != math.Ldexp(1, -14) || F16MinSubnorm.Float64() != math.Ldexp(1, -24) || !F16Inf.IsInf() || !F16QuietNaN.IsNaN() {
		t.Error("binary16 constants have the wrong values")
	}
}
