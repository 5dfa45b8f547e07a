package opstest

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func runSelection(t *testing.T, b ops.Backend) {}
