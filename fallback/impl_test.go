package fallback

import (
	"errors"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestLimitSIMD checks that LimitSIMD switches the hot loops to plain Go
// and back, that attention gives the same output either way (to the
// float32 rounding of its different summation orders), and that an
// unknown name is refused with ErrConfig.
func TestLimitSIMD(t *testing.T) {
	b := New()
	start := b.SIMD()
	const n, hq, hk, d = 300, 4, 2, 64
	q := make([]float32, hq*d)
	k := make([]float32, n*hk*d)
	v := make([]float32, n*hk*d)
	for i := range k {
		k[i], v[i] = float32(i%13)/13-0.5, float32(i%7)/7-0.5
	}
	for i := range q {
		q[i] = float32(i%5)/5 - 0.4
	}
	run := func() []float32 {
		o := make([]float32, hq*d)
		a := &ops.AttentionArgs{Q: WrapF32(q, 1, hq, d), K: WrapF32(k, n, hk, d), V: WrapF32(v, n, hk, d), O: WrapF32(o, 1, hq, d)}
		if err := b.Attention(a); err != nil {
			t.Fatal(err)
		}
		return o
	}
	want := run()
	restore, err := b.LimitSIMD("purego")
	if err != nil {
		t.Fatal(err)
	}
	if b.SIMD() != "purego" {
		t.Errorf("after LimitSIMD(purego): SIMD() = %q", b.SIMD())
	}
	got := run()
	restore()
	if b.SIMD() != start {
		t.Errorf("after restore: SIMD() = %q, want %q", b.SIMD(), start)
	}
	// Outputs are weighted means of values in [-0.5, 0.5] over n keys:
	// the two summation orders each err by at most about n·2^-24 of the
	// sum of |p·v| ≤ 0.5·Σp (and the weights' own sums alike).
	tol := float32(2*n) * 0x1p-24
	for i := range want {
		if diff := got[i] - want[i]; diff > tol || diff < -tol {
			t.Fatalf("o[%d]: plain Go %v, vector %v", i, got[i], want[i])
		}
	}
	if _, err := b.LimitSIMD("mmx"); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("LimitSIMD(mmx) = %v, want ErrConfig", err)
	}
	if b.SIMD() != start {
		t.Errorf("after a refused LimitSIMD: SIMD() = %q, want %q", b.SIMD(), start)
	}
}
