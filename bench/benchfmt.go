package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"unicode"
)

// WriteBenchfmt writes rs in the Go benchmark format that benchstat
// reads: configuration lines (goos, goarch, cpu, the peaks and how they
// were reached), Unit lines
// declaring that the custom metrics are better when higher, then one line
// per row that ran:
//
//	BenchmarkRope/backend=fallback/model=llama-3.1-8b/dtype=bf16/T=8192/Hq=32/Hk=8/D=128-2  12  41234567 ns/op  12.3 GB/s  0.44 ratio-to-peak
//
// The name's suffix is GOMAXPROCS, as go test prints it; the iteration
// count is the number of timed calls; ns/op is the best time per call.
func WriteBenchfmt(w io.Writer, rs []Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\n", runtime.GOOS, runtime.GOARCH)
	if c := cpuName(); c != "" {
		fmt.Fprintf(&b, "cpu: %s\n", c)
	}
	fmt.Fprintf(&b, "pkg: github.com/rotorkernels/rotor/bench\n")
	if len(rs) > 0 {
		p := rs[0]
		fmt.Fprintf(&b, "peak-gbps: %.2f\n", p.PeakGBps)
		if p.CopyPeakMethod != "" {
			fmt.Fprintf(&b, "copy-peak-method: %s\n", p.CopyPeakMethod)
		}
		fmt.Fprintf(&b, "peak-gflops: %.1f\n", p.PeakGFlops)
		if p.FMAPeakISA != "" {
			fmt.Fprintf(&b, "fma-peak-isa: %s\n", p.FMAPeakISA)
		}
		if p.SIMD != "" {
			fmt.Fprintf(&b, "simd: %s\n", p.SIMD)
		}
		for _, r := range rs {
			if r.ReadPeakGBps > 0 {
				fmt.Fprintf(&b, "read-peak-gbps: %.2f\nread-peak-method: %s\n", r.ReadPeakGBps, r.ReadPeakMethod)
				break
			}
		}
	}
	for _, u := range []string{"GB/s", "ratio-to-peak", "ratio-to-gather", "ratio-to-read", "ratio-to-roofline", "ratio-to-purego", "TFLOP/s", "ratio-to-naive"} {
		fmt.Fprintf(&b, "Unit %s better=higher\n", u)
	}
	procs := runtime.GOMAXPROCS(0)
	for _, r := range rs {
		if r.Skipped || r.Seconds <= 0 {
			continue
		}
		fmt.Fprintf(&b, "%s-%d\t%d\t%.0f ns/op\t%.4g GB/s\t%.4g ratio-to-peak",
			BenchName(r), procs, max(r.Calls, 1), r.Seconds*1e9, r.GBps, r.RatioToPeak)
		if r.RatioToGatherPeak > 0 {
			fmt.Fprintf(&b, "\t%.4g ratio-to-gather", r.RatioToGatherPeak)
		}
		if r.RatioToReadPeak > 0 {
			fmt.Fprintf(&b, "\t%.4g ratio-to-read", r.RatioToReadPeak)
		}
		if r.RatioToRoofline > 0 {
			fmt.Fprintf(&b, "\t%.4g ratio-to-roofline", r.RatioToRoofline)
		}
		if r.RatioToPurego > 0 {
			fmt.Fprintf(&b, "\t%.4g ratio-to-purego", r.RatioToPurego)
		}
		if r.TFlops > 0 {
			fmt.Fprintf(&b, "\t%.4g TFLOP/s", r.TFlops)
		}
		if r.RatioToNaive > 0 {
			fmt.Fprintf(&b, "\t%.4g ratio-to-naive", r.RatioToNaive)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// BenchName returns the benchmark name of r without the GOMAXPROCS
// suffix: "Benchmark" + the op in title case, then backend, model and
// dtype as key=value segments, then the shape's key=value pairs, each
// segment stripped of whitespace and slashes.
func BenchName(r Result) string {
	segs := []string{"Benchmark" + titleOp(r.Op),
		"backend=" + r.Backend, "model=" + r.Model, "dtype=" + r.DType}
	segs = append(segs, strings.Fields(r.Shape)...)
	for i := range segs {
		segs[i] = strings.Map(func(c rune) rune {
			if unicode.IsSpace(c) || c == '/' {
				return '_'
			}
			return c
		}, segs[i])
	}
	return strings.Join(segs, "/")
}

func titleOp(op string) string {
	var b strings.Builder
	up := true
	for _, c := range op {
		if c == '_' || c == '-' || unicode.IsSpace(c) {
			up = true
			continue
		}
		if up {
			c = unicode.ToUpper(c)
			up = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

// cpuName returns the CPU model from /proc/cpuinfo, or "" where there is
// none.
func cpuName() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
