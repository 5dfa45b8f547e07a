package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/bench"
)

var registerCLIOp sync.Once

// cliOp registers a fast op for the CLI tests: one row per model the
// context selects, with fixed time and bytes.
func cliOp() {
	registerCLIOp.Do(func() {
		bench.Register("zz-cli", func(c *bench.Ctx) ([]bench.Result, error) {
			var rs []bench.Result
			for _, m := range c.Models() {
				rs = append(rs, c.Finish(bench.Result{Op: "zz-cli", Model: m.Name, DType: "f32", Shape: "n=1", Seconds: 0.5, Bytes: 1e9, Calls: 3}))
			}
			return rs, nil
		})
	})
}

func TestBenchJSON(t *testing.T) {
	cliOp()
	code, out, stderr := runCLI("bench", "--op", "zz-cli", "--quick", "--model", "phi-3-mini-128k", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rows) != 1 {
		t.Fatalf("rows %v: want one (one model)", rows)
	}
	r := rows[0]
	for _, k := range []string{"op", "backend", "model", "shape", "dtype", "seconds", "gbps", "peak_gbps", "ratio_to_peak", "tflops", "notes"} {
		if _, ok := r[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if r["backend"] != "fallback" || r["model"] != "phi-3-mini-128k" || r["gbps"].(float64) != 2 {
		t.Errorf("row %v", r)
	}
	if p := r["peak_gbps"].(float64); !(p > 0) || r["ratio_to_peak"].(float64) != 2/p {
		t.Errorf("peak %v, ratio %v", p, r["ratio_to_peak"])
	}
	if !strings.Contains(stderr, "peaks: copy") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
}

func TestBenchTableAndBenchfmt(t *testing.T) {
	cliOp()
	code, out, stderr := runCLI("bench", "--op", "zz-cli", "--quick", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" || !strings.HasPrefix(out, "peaks measured in this run: copy ") || strings.Count(out, "zz-cli") != len(bench.Models()) {
		t.Errorf("table:\n%s\nstderr %q", out, stderr)
	}
	code, out, _ = runCLI("bench", "--op", "zz-cli", "--quick", "--quiet", "--benchfmt", "--model", "llama-3.1-8b")
	if code != 0 || !strings.Contains(out, "\nBenchmarkZzCli/backend=fallback/model=llama-3.1-8b/dtype=f32/n=1-") ||
		!strings.Contains(out, "\t3\t500000000 ns/op\t2 GB/s") {
		t.Errorf("benchfmt exit %d:\n%s", code, out)
	}
}

// TestBenchErrors checks that bad flags exit 2 before any measurement
// (nothing on stdout, no "measuring peaks" line without --quiet).
func TestBenchErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--op", "nope", "--quick"}, "--op = nope"},
		{[]string{"--model", "nonsense"}, "config: --model = nonsense: want one of"},
		{[]string{"--json", "--benchfmt"}, "exclusive"},
		{[]string{"--backend", "tpu"}, "--backend = tpu"},
		{[]string{"--min-time", "-1s"}, "--min-time = -1s"},
		{[]string{"--min-time", "1000h"}, "--min-time = 1000h0m0s: want a duration in [0, 1m0s]"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--no-such-flag"}, "flag provided but not defined: --no-such-flag"},
	} {
		code, stdout, stderr := runCLI(append([]string{"bench"}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "measuring") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, stderr, c.want)
		}
	}
}
