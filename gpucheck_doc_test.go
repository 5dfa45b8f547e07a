//go:build !cuda

package rotor_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestGPUCheckDocumented checks that the README's "Checking on a GPU"
// section states what scripts/gpu-check does: the same steps in the same
// order with the same caps, the same default budget, and caps that fit
// it.
func TestGPUCheckDocumented(t *testing.T) {
	script, err := os.ReadFile("scripts/gpu-check")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src := string(script)
	m := regexp.MustCompile(`(?m)^budget=\$\{GPU_CHECK_BUDGET:-(\d+)\}$`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("scripts/gpu-check sets no default budget")
	}
	budget, _ := strconv.Atoi(m[1])
	m = regexp.MustCompile(`(?m)^steps=\(([^)]*)\)$`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("scripts/gpu-check lists no steps")
	}
	steps := strings.Fields(m[1])
	m = regexp.MustCompile(`(?m)^declare -A cap=\(([^)]*)\)$`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("scripts/gpu-check sets no caps")
	}
	caps := map[string]int{}
	for _, c := range regexp.MustCompile(`\[(\w+)\]=(\d+)`).FindAllStringSubmatch(m[1], -1) {
		caps[c[1]], _ = strconv.Atoi(c[2])
	}
	sum := 0
	for _, s := range steps {
		c, ok := caps[s]
		if !ok {
			t.Errorf("step %s has no cap", s)
		}
		sum += c
	}
	if sum > budget {
		t.Errorf("the caps add up to %d s, over the %d s budget", sum, budget)
	}

	doc := string(readme)
	start := strings.Index(doc, "### Checking on a GPU")
	if start < 0 {
		t.Fatal(`README.md has no "Checking on a GPU" section`)
	}
	doc = doc[start:]
	if end := strings.Index(doc[1:], "\n#"); end >= 0 {
		doc = doc[:end+1]
	}
	var docSteps []string
	for _, r := range regexp.MustCompile("(?m)^\\| `(\\w+)` \\| (\\d+) s \\|").FindAllStringSubmatch(doc, -1) {
		docSteps = append(docSteps, r[1])
		if c, _ := strconv.Atoi(r[2]); c != caps[r[1]] {
			t.Errorf("README: step %s capped at %d s, the script %d s", r[1], c, caps[r[1]])
		}
	}
	if strings.Join(docSteps, " ") != strings.Join(steps, " ") {
		t.Errorf("README's steps %v, the script's %v", docSteps, steps)
	}
	if want := "`GPU_CHECK_BUDGET`, " + strconv.Itoa(budget) + " s by default"; !strings.Contains(doc, want) {
		t.Errorf("README does not say %q", want)
	}
}
