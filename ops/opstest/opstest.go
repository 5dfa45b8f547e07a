// Package opstest is rotor's conformance suite: Run checks every op of
// any ops.Backend against float64 truth and against the argument
// validation the op contract requires. Each backend's tests call it:
//
//	func TestConformance(t *testing.T) { opstest.Run(t, fallback.New()) }
//
// The suite uses only the ops.Backend interface and package precision, so
// it checks the fallback and cuda backends alike. Under go test -short it
// runs smaller sizes.
//
// Every case must pass, except that a backend may decline with
// ops.ErrUnsupported the cases that use a layout a backend may document
// as unsupported (attention rows that do not start on 16-byte
// boundaries, which the cuda kernels need); the suite logs each declined
// case and their count. Each such case has an aligned twin that every
// backend must pass.
package opstest

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// Run runs the conformance suite on b as the sub-tests "memory", "rope",
// "attention" and "selection".
func Run(t *testing.T, b ops.Backend) {
	t.Run("memory", func(t *testing.T) { runMemory(t, b) })
	t.Run("rope", func(t *testing.T) { runRoPE(t, b) })
	t.Run("attention", func(t *testing.T) { runAttention(t, b) })
	t.Run("selection", func(t *testing.T) { runSelection(t, b) })
}
