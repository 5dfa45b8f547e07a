package cuda

import "testing"

// TestFakeRoPECrossBackend: RoPE and RoPE+append through the backend over
// the simulated device agree bit for bit with the fallback backend.
func TestFakeRoPECrossBackend(t *testing.T) {
	b := openFake(t, newFakeGPU(0))
	defer b.Close()
	checkRoPECrossBackend(t, b, testing.Short())
}
