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
