package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckFallbackAgainstFP64(t *testing.T) {
	code, out, stderr := runCLI("check", "--quick", "--op", "rope")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "float64 references") {
		t.Errorf("stderr %q does not say what fallback is compared with", stderr)
	}
	if !strings.Contains(out, " passed, 0 failed") || !strings.Contains(out, "fp64") {
		t.Errorf("table:\n%s", out)
	}
	code, out, _ = runCLI("check", "--quick", "--op", "rope", "--json", "--seed", "3")
	var rs []struct {
		Op, Backend, Reference string
		Pass                   bool
		Compared               int
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != 0 || len(rs) == 0 {
		t.Fatalf("json exit %d: %v\n%s", code, err, out)
	}
	for _, r := range rs {
		if r.Op != "rope" || r.Backend != "fallback" || r.Reference != "fp64" || !r.Pass || r.Compared == 0 {
			t.Errorf("result %+v", r)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	if code, _, stderr := runCLI("check", "--op", "nope"); code != 2 || !strings.Contains(stderr, "--op = nope: want one of") {
		t.Errorf("unknown op: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI("check", "--backend", "cuda:x"); code != 2 || !strings.Contains(stderr, "--backend = cuda:x") {
		t.Errorf("bad backend: exit %d, %q", code, stderr)
	}
}

func TestCheckList(t *testing.T) {
	code, out, _ := runCLI("check", "--list")
	want := "attend\ncriticality\nkmeans\nmerge\npagemeta\npagescores\nrope\nrope-append\nscores\ntopk\n"
	if code != 0 || out != want {
		t.Errorf("check --list: exit %d, %q, want %q", code, out, want)
	}
}
