package cuda

import (
	"os"
	"os/exec"
	"testing"

	"github.com/rotorkernels/rotor/ops/opstest"
)

// TestFakeConformance runs parts of the conformance suite on the backend
// over the simulated device: everything between the op contract and the
// driver (validation, value checks, planning, scratch, staging, tables,
// launches) is the production code. The memory and RoPE parts run whole, with Go
// emulations of the RoPE kernels; of the attention and selection parts,
// whose kernels the fake device does not run, only the error tests. Each
// part runs in a child process restricted to its sub-tests (opstest.Run
// has no filter of its own), under -short.
func TestFakeConformance(t *testing.T) {
	if os.Getenv("ROTOR_FAKE_CONFORMANCE") == "1" {
		b := openFake(t, newFakeGPU(0))
		defer b.Close()
		opstest.Run(t, b)
		return
	}
	if testing.Short() {
		t.Skip("the fake-device conformance run takes a while")
	}
	for _, part := range []string{
		"^TestFakeConformance$/^(memory|rope)$",
		"^TestFakeConformance$/^(attention|selection)$/^(errors|merge-errors)$",
	} {
		cmd := exec.Command(os.Args[0], "-test.run="+part, "-test.short", "-test.v")
		cmd.Env = append(os.Environ(), "ROTOR_FAKE_CONFORMANCE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("conformance %s on the fake device: %v\n%s", part, err, out)
		}
		t.Logf("%s:\n%s", part, tail(out, 20))
	}
}

// tail returns the last n lines of out.
func tail(out []byte, n int) []byte {
	lines := 0
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] == '\n' {
			lines++
			if lines > n {
				return out[i+1:]
			}
		}
	}
	return out
}
