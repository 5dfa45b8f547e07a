package bench

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

func TestRoPEBytesAndFlops(t *testing.T) {
	// Llama-3.1-8B, 8192 tokens, bf16: q is 8192·32·128 and k 8192·8·128
	// elements of 2 bytes, each read and written; positions 4 bytes each.
	want := 2.0*(8192*32*128+8192*8*128)*2 + 8192*4
	if got := RoPEBytes(8192, 32, 8, 128, ops.BF16); got != want {
		t.Errorf("RoPEBytes = %v, want %v", got, want)
	}
	if got := RoPEBytes(1, 28, 4, 128, ops.F32); got != 2*32*128*4+4 {
		t.Errorf("RoPEBytes f32 T=1 = %v", got)
	}
	// 6 operations per pair: 4 multiplies, 2 adds.
	if got := RoPEFlops(2, 3, 1, 8); got != 6*2*4*4 {
		t.Errorf("RoPEFlops = %v", got)
	}
	if got := CopyBytes(100); got != 200 {
		t.Errorf("CopyBytes(100) = %v", got)
	}
}

func TestRates(t *testing.T) {
	if GBps(3e9, 1.5) != 2 || TFlops(4e12, 2) != 2 || GBps(1, 0) != 0 || TFlops(1, -1) != 0 {
		t.Error("GBps/TFlops arithmetic")
	}
}

func TestDerive(t *testing.T) {
	r := Result{Seconds: 0.5, Bytes: 10e9, Flops: 3e12, NaiveSeconds: 2}
	r.Derive(40, 1000)
	check := func(name string, got, want float64) {
		if math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("GBps", r.GBps, 20)
	check("RatioToPeak", r.RatioToPeak, 0.5)
	check("TFlops", r.TFlops, 6)
	check("PeakTFlops", r.PeakTFlops, 1)
	check("RatioToFlopsPeak", r.RatioToFlopsPeak, 6)
	check("RatioToNaive", r.RatioToNaive, 4)

	s := Result{Skipped: true}
	s.Derive(40, 1000)
	if s.GBps != 0 || s.RatioToPeak != 0 || s.PeakGBps != 40 {
		t.Errorf("skipped row derived %+v", s)
	}
}
