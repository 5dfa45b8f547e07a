package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// TestCopyMethods checks that every copy method copies its buffer
// exactly, over several grains, and leaves the bytes after it alone.
func TestCopyMethods(t *testing.T) {
	const n = 3 * copyGrain
	src, dst := pageBuffer(n), pageBuffer(n+64)
	for i := range src {
		src[i] = byte(i*7 + i>>8)
	}
	ms := copyMethods()
	if ms[0].name != "go copy" {
		t.Errorf("first method %q, want go copy", ms[0].name)
	}
	for _, m := range ms {
		for i := range dst {
			dst[i] = 0xa5
		}
		m.copy(dst[:n], src)
		if !bytes.Equal(dst[:n], src) {
			t.Errorf("%s: copy differs", m.name)
		}
		if !bytes.Equal(dst[n:], bytes.Repeat([]byte{0xa5}, 64)) {
			t.Errorf("%s: wrote past the end", m.name)
		}
	}
}

func TestCopyPeak(t *testing.T) {
	ms := copyMethods()
	g, method := copyPeak(8<<20, 2, 2, ms)
	// Any machine copies faster than 0.1 GB/s and slower than 10 TB/s.
	if !(g > 0.1 && g < 1e4) {
		t.Fatalf("copyPeak = %v GB/s", g)
	}
	found := false
	for _, m := range ms {
		found = found || m.name == method
	}
	if !found {
		t.Errorf("copyPeak method %q is none of the methods", method)
	}
}

// TestReadMethods checks that every read method sums every word of its
// buffer (the sum proves each load happened), and that the sum over a
// share that is not a whole number of the Go loop's rows is still whole.
func TestReadMethods(t *testing.T) {
	words := (streamRowBytes + 3*readGrain) / 8
	buf := pageBuffer(8 * words)
	w := readWords(buf)
	for _, m := range readMethods() {
		var want uint64
		for i := range w {
			w[i] = uint64(i)*0x9e3779b97f4a7c15 + 1
		}
		if m.name == "go 8 streams" {
			// One load per 64-byte line: the sum of each line's first word.
			for i := 0; i < len(w); i += 8 {
				want += w[i]
			}
		} else {
			for _, v := range w {
				want += v
			}
		}
		if got := m.read(w); got != want {
			t.Errorf("%s: sum %#x, want %#x", m.name, got, want)
		}
	}
	g, method := readPeak(w, 2, 2, readMethods())
	if !(g > 0.1 && g < 1e4) || method == "" {
		t.Errorf("readPeak = %v GB/s by %q", g, method)
	}
}

func TestFMAKernels(t *testing.T) {
	ks := fmaKernels()
	if len(ks) == 0 || ks[0].name != "scalar" {
		t.Fatalf("kernels %v: want the scalar kernel first", ks)
	}
	for _, k := range ks {
		// Each kernel reports two operations per lane per FMA: 16 per
		// iteration for the scalar loop (eight chains), 192 for AVX2
		// (twelve 8-lane FMAs), 384 for AVX-512 (twelve 16-lane FMAs).
		want := map[string]float64{"scalar": 16, "avx2+fma": 192, "avx512f": 384}[k.name]
		if got := k.run(1000); got != 1000*want {
			t.Errorf("%s: run(1000) = %v flops, want %v", k.name, got, 1000*want)
		}
		if got := k.run(0); got != 0 {
			t.Errorf("%s: run(0) = %v", k.name, got)
		}
		g := fmaRound(k, fmaChunk(k), 1, 2*time.Millisecond)
		if !(g > 0.01 && g < 1e5) || math.IsNaN(g) {
			t.Errorf("%s: %v GFLOP/s", k.name, g)
		}
	}
	g, isa := FMAPeakGFlops(true)
	if g <= 0 || isa == "" {
		t.Errorf("FMAPeakGFlops = %v, %q", g, isa)
	}
}

func TestPeaksRaiseAndString(t *testing.T) {
	p := Peaks{CopyGBps: 30, CopyMethod: "go copy", GFlops: 300, FMAISA: "avx512f"}
	p.raise(Peaks{CopyGBps: 35, CopyMethod: "non-temporal", ReadGBps: 40, ReadMethod: "vector", GFlops: 200, FMAISA: "avx2+fma"})
	want := Peaks{CopyGBps: 35, CopyMethod: "non-temporal", ReadGBps: 40, ReadMethod: "vector", GFlops: 300, FMAISA: "avx512f"}
	if p != want {
		t.Errorf("raise: %+v, want %+v", p, want)
	}
	if s := p.String(); s != "copy 35.0 GB/s (non-temporal), read 40.0 GB/s (vector), fp32 fma 300.0 GFLOP/s (avx512f)" {
		t.Errorf("String = %q", s)
	}
	if s := (Peaks{GFlops: 5}).String(); !strings.HasPrefix(s, "fp32 fma 5.0") || strings.Contains(s, "(") {
		t.Errorf("String without methods = %q", s)
	}
}
