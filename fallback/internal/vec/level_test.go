package vec

import (
	"os"
	"slices"
	"testing"
)

// TestLevel checks the start-up choice: the level is one the CPU
// supports, Impl and Features describe it, and ROTOR_SIMD only lowers
// it. Setting ROTOR_TEST_SIMD to a level name makes the test fail on a
// machine that cannot run that level (for a CI runner that must cover
// the assembly).
func TestLevel(t *testing.T) {
	s := supportedRounding()
	if !slices.Contains(s, roundLevel) || !slices.Contains(supported(), level) || level != min(roundLevel, levelAVX512) {
		t.Fatalf("level %d, rounding level %d, not the supported %v and %v", level, roundLevel, supported(), s)
	}
	if Impl() != levelNames[roundLevel] {
		t.Errorf("Impl() = %q, want %q", Impl(), levelNames[roundLevel])
	}
	if f := Features(); !slices.Equal(f, levelFeatures[roundLevel]) {
		t.Errorf("Features() = %v", f)
	}
	t.Logf("implementation %s, features %v; this machine runs %d of %d levels", Impl(), Features(), len(s), numLevels)
	if want := os.Getenv("ROTOR_TEST_SIMD"); want != "" {
		i := slices.Index(levelNames[:], want)
		if i < 0 {
			t.Fatalf("ROTOR_TEST_SIMD=%q names no level", want)
		}
		if !slices.Contains(s, i) {
			t.Fatalf("ROTOR_TEST_SIMD=%s, but this machine or build supports only %v", want, s)
		}
	}
}

func TestCapLevel(t *testing.T) {
	for _, c := range []struct {
		l    int
		env  string
		want int
	}{
		{levelAVX512BF16, "", levelAVX512BF16},
		{levelAVX512BF16, "avx512", levelAVX512},
		{levelAVX512, "avx512bf16", levelAVX512},
		{levelAVX512, "", levelAVX512},
		{levelAVX512, "avx2", levelAVX2},
		{levelAVX512, "purego", levelGeneric},
		{levelAVX2, "avx512", levelAVX2},
		{levelAVX2, "bogus", levelAVX2},
		{levelGeneric, "avx2", levelGeneric},
	} {
		if got := capLevel(c.l, c.env); got != c.want {
			t.Errorf("capLevel(%s, %q) = %s, want %s", levelNames[c.l], c.env, levelNames[got], levelNames[c.want])
		}
	}
}

// TestSetLevel checks that the exported functions follow the level
// switch: Axpy rounds once (FMA) in the assembly and may round twice in
// plain Go, which this input tells apart.
func TestSetLevel(t *testing.T) {
	// 1+2^-23 squared is 1+2^-22+2^-46: the FMA with y = -1 keeps the
	// 2^-46, a rounded product loses it.
	const a = 1 + 0x1p-23
	old := roundLevel
	defer setLevel(old)
	for _, l := range supportedRounding() {
		setLevel(l)
		if Impl() != levelNames[l] {
			t.Errorf("Impl() = %q after setLevel(%s)", Impl(), levelNames[l])
		}
		x := make([]float32, 32)
		y := make([]float32, 32)
		for i := range x {
			x[i], y[i] = a, -1
		}
		Axpy(a, x, y)
		if l != levelGeneric && y[0] != 0x1p-22+0x1p-46 {
			t.Errorf("%s: Axpy gave %g, want the fused %g", levelNames[l], y[0], 0x1p-22+0x1p-46)
		}
	}
}
