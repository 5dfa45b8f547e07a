package bench

import (
	"math"
	"testing"
	"time"
)

func TestCopyPeak(t *testing.T) {
	g := copyPeak(8<<20, 2, 2)
	// Any machine copies faster than 0.1 GB/s and slower than 10 TB/s.
	if !(g > 0.1 && g < 1e4) {
		t.Fatalf("copyPeak = %v GB/s", g)
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
		g := fmaPeak(k, 1, 5*time.Millisecond, 1)
		if !(g > 0.01 && g < 1e5) || math.IsNaN(g) {
			t.Errorf("%s: %v GFLOP/s", k.name, g)
		}
	}
	g, isa := FMAPeakGFlops(true)
	if g <= 0 || isa == "" {
		t.Errorf("FMAPeakGFlops = %v, %q", g, isa)
	}
}
