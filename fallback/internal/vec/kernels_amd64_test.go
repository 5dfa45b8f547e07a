//go:build !purego

package vec

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestKernelEncodings reads the generated assembly and checks what the
// CPU checks of select_amd64.go promise: an AVX2 kernel uses only
// AVX/AVX2/FMA/F16C instructions (and PREFETCHT0, which avo files under
// MMX+ and every amd64 CPU has) and registers 0-15 (the assembler would
// otherwise pick an EVEX encoding that faults without AVX-512), and an
// AVX-512 kernel needs nothing beyond AVX512F, BW and VL. It also checks
// every kernel ends with VZEROUPPER before RET, so the Go code after it
// pays no AVX-SSE transition. An AVX512BF16 kernel may also use
// AVX512DQ and AVX512-BF16 (selected only when the CPU has both).
func TestKernelEncodings(t *testing.T) {
	src, err := os.ReadFile("kernels_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{
		"AVX2":       {"AVX", "AVX2", "FMA3", "F16C", "MMX+"},
		"AVX512":     {"AVX", "AVX2", "FMA3", "F16C", "MMX+", "AVX512F", "AVX512BW", "AVX512VL"},
		"AVX512BF16": {"AVX", "AVX2", "FMA3", "F16C", "MMX+", "AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ", "AVX512BF16"},
	}
	high := regexp.MustCompile(`\b([XYZ](1[6-9]|2[0-9]|3[01])|Z[0-9]+|K[0-7])\b`)
	text := regexp.MustCompile(`^TEXT ·(\w+?)(AVX2|AVX512|AVX512BF16)\(SB\)`)
	kernels := 0
	for _, fn := range strings.Split(string(src), "\n\n// ")[1:] {
		lines := strings.Split(fn, "\n")
		var requires []string
		var name, set string
		for i, ln := range lines {
			if r, ok := strings.CutPrefix(ln, "// Requires: "); ok {
				requires = strings.Split(r, ", ")
			}
			if m := text.FindStringSubmatch(ln); m != nil {
				name, set = m[1]+m[2], m[2]
				lines = lines[i:]
				break
			}
		}
		if name == "" {
			continue
		}
		kernels++
		for _, r := range requires {
			if !slices.Contains(allowed[set], r) {
				t.Errorf("%s requires %s", name, r)
			}
		}
		body := strings.Join(lines, "\n")
		if set == "AVX2" && high.MatchString(body) {
			t.Errorf("%s uses %s, which needs AVX-512", name, high.FindString(body))
		}
		if !strings.Contains(body, "VZEROUPPER\n\tRET") {
			t.Errorf("%s does not end with VZEROUPPER; RET", name)
		}
	}
	if kernels != 2*73+4 {
		t.Errorf("found %d kernels, want 150", kernels)
	}
}
