package opstest

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func runAttention(t *testing.T, b ops.Backend) {}
