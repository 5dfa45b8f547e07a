package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rotorkernels/rotor/precision"
)

// quickAudit are flags that keep a test audit small (given first, so a
// test can override them).
var quickAudit = []string{"--max-pos", "4096", "--study-t", "32", "--positions", "6", "--vectors", "4"}

func auditCLI(args ...string) (int, string, string) {
	return runCLI(append(append([]string{"audit"}, quickAudit...), args...)...)
}

func TestAuditTable(t *testing.T) {
	code, out, stderr := auditCLI("--head-dim", "64", "--base", "10000", "--backend", "fallback", "--metrics", "angle,mismatch")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"angle [rad]", "mismatch [fraction]", "positions", "2048-4095", "4096",
		"fp32", "hf", "accurate", "compat", "fallback:accurate", "Eq. 4 analogue", "Eq. 5 analogue", "gates:",
		"pass rotation-accurate [fallback:accurate]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAuditHFConfigJSON(t *testing.T) {
	code, out, stderr := auditCLI("--hf-config", config("llama-3.1-8b"), "--json", "--backend", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		precision.Report
		Gates []precision.Gate `json:"gates"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if rep.Name != "llama-3.1-8b" || rep.MaxPos != 4096 || !strings.HasPrefix(rep.Schedule, "llama3") {
		t.Errorf("name %q, max_pos %d, schedule %q", rep.Name, rep.MaxPos, rep.Schedule)
	}
	if got := strings.Join(rep.Pipelines, ","); got != "fp64,fp32,hf,accurate,compat" {
		t.Errorf("pipelines %s (--backend none adds none)", got)
	}
	if len(rep.Metrics) != len(precision.Metrics()) || len(rep.Gates) == 0 || rep.Study == nil {
		t.Errorf("%d metrics, %d gates, study %v", len(rep.Metrics), len(rep.Gates), rep.Study != nil)
	}
}

// TestAuditDefaultMaxPos: the default range is twice the model's context.
func TestAuditDefaultMaxPos(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"audit", "--model", "llama-3.1-8b", "--json", "--backend", "none", "--study=false",
		"--positions", "3", "--vectors", "2"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep precision.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.MaxPos != 2*131072 || rep.Name != "llama-3.1-8b" || rep.Study != nil {
		t.Errorf("max_pos %d name %q study %v, want 262144, llama-3.1-8b, none", rep.MaxPos, rep.Name, rep.Study)
	}
}

func TestAuditCSV(t *testing.T) {
	code, out, stderr := auditCLI("--model", "qwen2.5-7b-instruct-1m", "--csv", "--backend", "none", "--dtype", "f16")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "metric,unit,pipeline,config,x_lo,x_hi,value,flagged" || len(lines) < 100 {
		t.Errorf("CSV: %d lines, header %q", len(lines), lines[0])
	}
	if !strings.Contains(out, "\neq5_d_logit,abs,accurate/f16,,") {
		t.Error("CSV lacks the f16 study rows")
	}
}

func TestAuditPlot(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.svg", "a.png"} {
		file := filepath.Join(dir, name)
		code, _, stderr := auditCLI("--head-dim", "32", "--backend", "none", "--plot", file)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".svg") && !bytes.Contains(data[:min(len(data), 200)], []byte("<svg")) {
			t.Errorf("%s is not SVG", name)
		}
		if strings.HasSuffix(name, ".png") && !bytes.HasPrefix(data, []byte("\x89PNG\r\n")) {
			t.Errorf("%s is not PNG", name)
		}
		if len(data) < 10000 || !strings.Contains(stderr, "wrote "+file) {
			t.Errorf("%s: %d bytes; stderr %q", name, len(data), stderr)
		}
	}
	for _, name := range []string{"a.svg", "a.png"} {
		code, _, _ := auditCLI("--head-dim", "32", "--backend", "none", "--dtype", "f32", "--study=false",
			"--plot", filepath.Join(dir, "f32"+name))
		if code != 0 {
			t.Errorf("f32 %s: exit %d", name, code)
		}
	}
	gif := filepath.Join(dir, "a.gif")
	code, stdout, stderr := auditCLI("--head-dim", "32", "--plot", gif)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "--plot = "+gif+": want a .svg or .png file") {
		t.Errorf("gif: exit %d, stdout %q, stderr %q; want exit 2 before any audit", code, stdout, stderr)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 {
		t.Errorf("%d files in the plot folder, want the 4 plots and no temporary file", len(ents))
	}
}

func TestAuditFailAbove(t *testing.T) {
	base := []string{"--head-dim", "64", "--backend", "fallback", "--study=false"}
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--fail-above", "angle=1"}, 0, ""},
		{[]string{"--fail-above", "compat:angle=1e-9"}, 3, "compat angle"},
		{[]string{"--fail-above", "angle=1e-12", "--fail-above", "hf:mismatch=0.9"}, 3, "fallback:accurate angle"},
		{[]string{"--fail-above", "fallback:accurate:angle=1e-12"}, 3, "fallback:accurate angle"},
		{[]string{"--fail-above", "nosuch:angle=1"}, 2, `no pipeline "nosuch"`},
		{[]string{"--fail-above", "wobble=1"}, 2, `invalid value "wobble=1" for flag --fail-above: unknown metric "wobble"`},
		{[]string{"--fail-above", "angle"}, 2, "METRIC=VALUE"},
		{[]string{"--fail-above", "angle=x"}, 2, "want a number"},
		{[]string{"--fail-gates", "--max-pos", "3000"}, 0, ""},
	}
	for _, c := range cases {
		code, _, stderr := auditCLI(append(append([]string{}, base...), c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr, c.msg)
		}
	}
}

// TestAuditFailGates: a report whose compat pipeline is not flagged past
// 4096 fails its gate, and --fail-gates turns that into exit status 3.
func TestAuditFailGates(t *testing.T) {
	rep := &precision.Report{
		DType: "bf16", MaxPos: 8191, AttentionFactor: 1,
		Pipelines: []string{precision.NameCompat},
		Buckets:   []precision.Bucket{{Lo: 4096, Hi: 8192, Positions: []int32{4096}, Outputs: 512}},
		Metrics: []precision.MetricValues{{MetricInfo: precision.MetricInfo{Name: precision.MetricMismatch},
			Values: []precision.Series{{0}}}},
		Flagged: [][]bool{{false}},
	}
	f := auditFlags{failGates: true}
	err := f.gate(rep, precision.NameCompat)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(ee.msg, precision.GateCompatFlagged) {
		t.Errorf("err = %v, want exit status 3 naming %s", err, precision.GateCompatFlagged)
	}
	f.failGates = false
	if err := f.gate(rep, precision.NameCompat); err != nil {
		t.Errorf("without --fail-gates: %v", err)
	}
}

// TestAuditErrors checks that every bad flag, and every combination
// that cannot finish, is refused with exit status 2 before any
// computation (nothing on stdout), naming the flag.
func TestAuditErrors(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{}, "a schedule needs --hf-config FILE, --head-dim D or --inv-freq FILE"},
		{[]string{"--model", "nope"}, "--model = nope: want one of"},
		{[]string{"--model", "llama-3.1-8b", "--head-dim", "64"}, "conflicts"},
		{[]string{"--head-dim", "64", "--dtype", "i32"}, "--dtype = i32: want bf16, f16 or f32"},
		{[]string{"--head-dim", "64", "--angles", "fast"}, "--angles = fast"},
		{[]string{"--head-dim", "64", "--json", "--csv"}, "exclusive"},
		{[]string{"--head-dim", "64", "--max-pos", "-5"}, "range: --max-pos = -5"},
		{[]string{"--head-dim", "64", "--backend", "tpu"}, "--backend = tpu"},
		{[]string{"--head-dim", "64", "--metrics", "angle,bogus"}, `--metrics angle,bogus: unknown metric "bogus"`},
		{[]string{"--head-dim", "64", "extra"}, "unexpected argument"},
		{[]string{"--head-dim", "64", "--study-t", "65536"}, "--study-t = 65536: want at most 8192"},
		{[]string{"--head-dim", "64", "--positions", "-1"}, "--positions = -1"},
		{[]string{"--head-dim", "64", "--positions", "4096", "--vectors", "1024"},
			"range: --positions×--vectors = 4096×1024: a position bucket of head_dim 64 would need 34.4 GB"},
		{[]string{"--head-dim", "4096", "--positions", "1024", "--vectors", "64"}, "--positions×--vectors = 1024×64"},
	}
	for _, c := range cases {
		args := append([]string{"audit", "--study=false", "--positions", "2"}, c.args...)
		code, stdout, stderr := runCLI(args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 mentioning %q", c.args, code, stdout, stderr, c.msg)
		}
	}
}

// TestDemoAuditArgs runs the audit the demo runs (made smaller): the
// bundled config must load from inside the binary.
func TestDemoAuditArgs(t *testing.T) {
	if len(demoAuditArgs) == 0 {
		t.Fatal("the audit did not give the demo its arguments")
	}
	code, out, stderr := auditCLI(demoAuditArgs...)
	if code != 0 || !strings.Contains(out, "RoPE precision audit: llama-3.1-8b") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := newProgressBar(&buf, false)
	p.now = func() time.Time { return now }
	p.update(1, 4)
	if buf.Len() != 0 {
		t.Errorf("unforced bar on a buffer drew %q", buf.String())
	}
	p = newProgressBar(&buf, true)
	p.start, p.now = now, func() time.Time { return now }
	p.update(1, 4)
	if !strings.Contains(buf.String(), "\raudit [#######") || !strings.Contains(buf.String(), "1/4") {
		t.Errorf("forced bar drew %q", buf.String())
	}
	n := buf.Len()
	p.update(2, 4) // within 100 ms: skipped
	if buf.Len() != n {
		t.Error("bar redrawn within 100 ms")
	}
	now = now.Add(time.Second)
	p.update(4, 4)
	if !strings.Contains(buf.String(), "4/4") {
		t.Errorf("final state not drawn: %q", buf.String())
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r") {
		t.Error("done did not return to the line start")
	}
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}

func TestPow2Ticks(t *testing.T) {
	ticks := pow2Ticks{}.Ticks(1, 1<<20)
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if len(ticks) != 21 || strings.Join(labels, " ") != "1 4 16 64 256 1K 4K 16K 64K 256K 1M" {
		t.Errorf("%d ticks, labels %v", len(ticks), labels)
	}
	for k, want := range map[int]string{0: "1", 9: "512", 10: "1K", 21: "2M", 31: "2G"} {
		if got := pow2Label(k); got != want {
			t.Errorf("pow2Label(%d) = %q, want %q", k, got, want)
		}
	}
}
