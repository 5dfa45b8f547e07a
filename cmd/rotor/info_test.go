package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestInfo(t *testing.T) {
	code, out, stderr := runCLI("info", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var in infoJSON
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Backends) == 0 || in.Backends[0] != "fallback" || in.GoVersion != runtime.Version() ||
		in.GOMAXPROCS != runtime.GOMAXPROCS(0) || in.FallbackImp == "" {
		t.Errorf("info %+v", in)
	}
	if runtime.GOARCH == "amd64" {
		if in.CPUFeatures["avx2"] != cpu.X86.HasAVX2 || in.CPUFeatures["avx512bf16"] != cpu.X86.HasAVX512BF16 || len(in.CPUFeatures) != len(cpuFeatures) {
			t.Errorf("cpu features %v", in.CPUFeatures)
		}
	}
	code, out, _ = runCLI("info")
	for _, want := range []string{"backends:      fallback", "go:            " + runtime.Version(), "fallback impl: " + in.FallbackImp} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}
