package bench

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func sampleRows() []Result {
	a := Result{Op: "rope", Backend: "fallback", SIMD: "avx512", Model: "llama-3.1-8b", Shape: "T=8192 Hq=32 Hk=8 D=128",
		DType: "bf16", Seconds: 0.02, Calls: 15, Bytes: 1e9, Flops: 1e9, NaiveSeconds: 0.4, Notes: "llama3"}
	a.Derive(Peaks{CopyGBps: 25, CopyMethod: "rep movsb", GFlops: 200, FMAISA: "avx512f"})
	b := Result{Op: "rope", Backend: "fallback", Model: "gpt-oss-20b", Shape: "T=1 Hq=64 Hk=8 D=64",
		DType: "f32", Skipped: true, Notes: "unsupported"}
	b.Derive(Peaks{CopyGBps: 25, CopyMethod: "rep movsb", GFlops: 200, FMAISA: "avx512f"})
	return []Result{a, b}
}

func TestWriteJSONKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleRows()); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, k := range []string{"op", "backend", "simd", "model", "shape", "dtype", "seconds", "gbps", "peak_gbps", "copy_peak_method",
		"ratio_to_peak", "tflops", "peak_gflops", "fma_peak_isa", "roofline_seconds", "roofline_bound", "ratio_to_roofline", "notes"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("key %q missing from %v", k, rows[0])
		}
	}
	// 1e9 bytes at 25 GB/s take 40 ms, 1e9 flops at 200 GFLOP/s 5 ms:
	// the roofline is 40 ms, twice the row's 20 ms.
	if rows[0]["gbps"].(float64) != 50 || rows[0]["ratio_to_peak"].(float64) != 2 || rows[0]["ratio_to_naive"].(float64) != 20 ||
		rows[0]["roofline_seconds"].(float64) != 0.04 || rows[0]["ratio_to_roofline"].(float64) != 2 ||
		rows[0]["copy_peak_method"] != "rep movsb" || rows[0]["roofline_bound"] != "copy" {
		t.Errorf("values: %v", rows[0])
	}
	if rows[1]["skipped"] != true {
		t.Errorf("skipped row: %v", rows[1])
	}
	buf.Reset()
	if err := WriteJSON(&buf, nil); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("empty list: %q, %v", buf.String(), err)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, sampleRows()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "peaks measured in this run: copy 25.0 GB/s (rep movsb), fp32 fma 200.0 GFLOP/s (avx512f)") {
		t.Errorf("peak line %q", lines[0])
	}
	if lines[1] != "fallback SIMD level: avx512" {
		t.Errorf("SIMD line %q", lines[1])
	}
	head, row, skip := lines[3], lines[4], lines[5]
	// Columns line up: each header starts where its cell does (left
	// aligned) or ends where it ends (right aligned).
	if i, j := strings.Index(head, "shape"), strings.Index(row, "T=8192"); i != j {
		t.Errorf("shape column at %d in header, %d in row:\n%s\n%s", i, j, head, row)
	}
	if i, j := strings.Index(head, "GB/s")+len("GB/s"), strings.Index(row, "50.00")+len("50.00"); i != j {
		t.Errorf("GB/s column ends at %d in header, %d in row:\n%s\n%s", i, j, head, row)
	}
	roof := strings.Index(row, "40.0 ms copy")
	if i, j := strings.Index(head, "%roof")+len("%roof"), roof+strings.Index(row[roof:], "%")+1; roof < 0 || i != j {
		t.Errorf("%%roof column ends at %d in header, %d in row:\n%s\n%s", i, j, head, row)
	}
	for _, want := range []string{"20.0 ms", "200%", "40.0 ms copy", "20.0×", "llama3"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
	if !strings.Contains(skip, "unsupported") || strings.Contains(skip, "ms") {
		t.Errorf("skipped row %q", skip)
	}
}

func TestFormatSeconds(t *testing.T) {
	for _, c := range []struct {
		s    float64
		want string
	}{{0, "-"}, {812e-9, "812 ns"}, {4.2e-6, "4.20 µs"}, {0.0131, "13.1 ms"}, {1.25, "1.25 s"}, {250, "250 s"}} {
		if got := FormatSeconds(c.s); got != c.want {
			t.Errorf("FormatSeconds(%v) = %q, want %q", c.s, got, c.want)
		}
	}
}

// benchLine is the Go benchmark format: name-procs, iterations, then
// value-unit pairs separated by tabs.
var benchLine = regexp.MustCompile(`^Benchmark[A-Z]\S*-\d+\t\d+(\t[0-9.e+-]+ \S+)+$`)

func TestWriteBenchfmt(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, sampleRows()); err != nil {
		t.Fatal(err)
	}
	var bench []string
	units := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		switch {
		case strings.HasPrefix(l, "Benchmark"):
			bench = append(bench, l)
		case strings.HasPrefix(l, "Unit "):
			units[strings.Fields(l)[1]] = strings.HasSuffix(l, "better=higher")
		case !regexp.MustCompile(`^[a-z][a-z0-9-]*: `).MatchString(l):
			t.Errorf("line %q is neither a config, Unit nor benchmark line", l)
		}
	}
	if len(bench) != 1 {
		t.Fatalf("benchmark lines %q: want one (the skipped row omitted)", bench)
	}
	if !benchLine.MatchString(bench[0]) {
		t.Errorf("line %q is not in benchmark format", bench[0])
	}
	if !strings.HasPrefix(bench[0], "BenchmarkRope/backend=fallback/model=llama-3.1-8b/dtype=bf16/T=8192/Hq=32/Hk=8/D=128-") {
		t.Errorf("name in %q", bench[0])
	}
	if !strings.Contains(buf.String(), "\nsimd: avx512\n") || !strings.Contains(buf.String(), "\ncopy-peak-method: rep movsb\n") {
		t.Errorf("config lines lack the SIMD level or copy method:\n%s", buf.String())
	}
	for _, want := range []string{"\t15\t", "\t20000000 ns/op", "\t50 GB/s", "\t2 ratio-to-peak", "\t2 ratio-to-roofline", "\t20 ratio-to-naive"} {
		if !strings.Contains(bench[0], want) {
			t.Errorf("%q lacks %q", bench[0], want)
		}
	}
	for _, u := range []string{"GB/s", "ratio-to-peak", "ratio-to-roofline", "TFLOP/s", "ratio-to-naive"} {
		if !units[u] {
			t.Errorf("no Unit %s better=higher line", u)
		}
	}
}

func TestBenchName(t *testing.T) {
	r := Result{Op: "page_scores", Backend: "cuda", Model: "m", DType: "f32", Shape: "S=131072  k/v=2"}
	if got, want := BenchName(r), "BenchmarkPageScores/backend=cuda/model=m/dtype=f32/S=131072/k_v=2"; got != want {
		t.Errorf("BenchName = %q, want %q", got, want)
	}
}
