package precision

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func TestRound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 100000 {
		x := randomFloat64(rng, -30, 20)
		f := float32(x)
		if got := Round(ops.F32, f); got != f {
			t.Fatalf("Round(F32, %v) = %v", f, got)
		}
		if got, want := Round(ops.BF16, f), oracleBF16(float64(f)); float64(got) != want {
			t.Fatalf("Round(BF16, %v) = %v, want %v", f, got, want)
		}
		if got, want := Round(ops.F16, f), oracleF16(float64(f)); !sameValue(float64(got), want) {
			t.Fatalf("Round(F16, %v) = %v, want %v", f, got, want)
		}
		if got := RoundFromFloat64(ops.F32, x); got != f {
			t.Fatalf("RoundFromFloat64(F32, %v) = %v, want %v", x, got, f)
		}
		if got, want := RoundFromFloat64(ops.BF16, x), oracleBF16(x); float64(got) != want {
			t.Fatalf("RoundFromFloat64(BF16, %v) = %v, want %v", x, got, want)
		}
		if got, want := RoundFromFloat64(ops.F16, x), oracleF16(x); !sameValue(float64(got), want) {
			t.Fatalf("RoundFromFloat64(F16, %v) = %v, want %v", x, got, want)
		}
	}
	for _, dt := range []ops.DType{ops.I32, ops.InvalidDType, ops.DType(99)} {
		if r := Round(dt, 1); r == r {
			t.Errorf("Round(%v, 1) = %v, want NaN", dt, r)
		}
		if r := RoundFromFloat64(dt, 1); r == r {
			t.Errorf("RoundFromFloat64(%v, 1) = %v, want NaN", dt, r)
		}
	}
	if r := RoundFromFloat64(ops.BF16, math.NaN()); r == r {
		t.Errorf("RoundFromFloat64(BF16, NaN) = %v", r)
	}
}
