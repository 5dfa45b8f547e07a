//go:build cuda

package devkern

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPTX compiles the kernels for sm_80 and sm_90 (NVRTC needs no GPU)
// and checks that both kernels are in the PTX.
func TestPTX(t *testing.T) {
	for _, arch := range []string{"compute_80", "compute_90"} {
		p, err := PTX(arch)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		for _, k := range []string{Validate, FMAPeak} {
			if !strings.Contains(p, ".entry "+k+"(") {
				t.Errorf("%s: PTX has no entry %s", arch, k)
			}
		}
		// fma_peak's unrolled body must keep its 8 chains of 16 FMAs.
		body := p[strings.Index(p, ".entry "+FMAPeak+"("):]
		if end := strings.Index(body, "\n}"); end > 0 {
			body = body[:end]
		}
		if n := strings.Count(body, "fma.rn.f32"); n < 128 {
			t.Errorf("%s: fma_peak has %d fma.rn.f32, want ≥ 128", arch, n)
		}
		if again, _ := PTX(arch); again != p {
			t.Errorf("%s: second PTX call differs", arch)
		}
	}
}

// TestPTXAS assembles the PTX with ptxas (when installed) and fails on
// local-memory spills.
func TestPTXAS(t *testing.T) {
	ptxas, err := exec.LookPath("ptxas")
	if err != nil {
		t.Skip("ptxas not installed")
	}
	for _, sm := range []string{"80", "90"} {
		p, err := PTX("compute_" + sm)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in := filepath.Join(dir, "devkern.ptx")
		if err := os.WriteFile(in, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ptxas, "-v", "-arch=sm_"+sm, "-o", filepath.Join(dir, "devkern.cubin"), in).CombinedOutput()
		if err != nil {
			t.Fatalf("ptxas sm_%s: %v\n%s", sm, err, out)
		}
		spill := regexp.MustCompile(`([1-9][0-9]*) bytes spill (stores|loads)`)
		if m := spill.FindString(string(out)); m != "" {
			t.Errorf("ptxas sm_%s: %s\n%s", sm, m, out)
		}
		t.Logf("sm_%s:\n%s", sm, out)
	}
}
