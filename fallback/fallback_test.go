package fallback_test

import (
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops/opstest"
)

// TestConformance runs the backend-agnostic conformance suite.
func TestConformance(t *testing.T) {
	opstest.Run(t, fallback.New())
}

// TestNaNEveryLevel runs the NaN part of the conformance suite at every
// SIMD level this CPU runs (the assembly hands rows with a NaN logit to
// the plain-Go loop, so each level has its own path to the NaN rule).
func TestNaNEveryLevel(t *testing.T) {
	b := fallback.New()
	for _, level := range []string{"purego", "avx2", "avx512", "avx512bf16"} {
		restore, err := b.LimitSIMD(level)
		if err != nil {
			t.Fatal(err)
		}
		if b.SIMD() == level {
			t.Run(level, func(t *testing.T) { opstest.RunNaN(t, b) })
		}
		restore()
	}
}
