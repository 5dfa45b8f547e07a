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

// near reports whether got is want within a relative 1e-12.
func near(got, want float64) bool { return math.Abs(got-want) <= 1e-12*math.Abs(want) }

func TestDerive(t *testing.T) {
	r := Result{Seconds: 0.5, Bytes: 10e9, Flops: 3e12, NaiveSeconds: 2, PuregoSeconds: 3}
	r.Derive(Peaks{CopyGBps: 40, CopyMethod: "non-temporal", GFlops: 1000, FMAISA: "avx512f"})
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"GBps", r.GBps, 20},
		{"RatioToPeak", r.RatioToPeak, 0.5},
		{"TFlops", r.TFlops, 6},
		{"PeakTFlops", r.PeakTFlops, 1},
		{"RatioToFlopsPeak", r.RatioToFlopsPeak, 6},
		{"RatioToNaive", r.RatioToNaive, 4},
		{"RatioToPurego", r.RatioToPurego, 6},
		// 3e12 flops at 1e12/s take 3 s; 10e9 bytes at the copy peak 0.25 s.
		{"RooflineSeconds", r.RooflineSeconds, 3},
		{"RatioToRoofline", r.RatioToRoofline, 6},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r.CopyPeakMethod != "non-temporal" || r.FMAPeakISA != "avx512f" || r.RooflineBound != "fma" {
		t.Errorf("methods %q, %q, bound %q", r.CopyPeakMethod, r.FMAPeakISA, r.RooflineBound)
	}

	s := Result{Skipped: true, Bytes: 4e9}
	s.Derive(Peaks{CopyGBps: 40, GFlops: 1000})
	if s.GBps != 0 || s.RatioToPeak != 0 || s.RatioToRoofline != 0 || s.PeakGBps != 40 {
		t.Errorf("skipped row derived %+v", s)
	}
}

// TestDeriveRoofline checks the roofline of rows of each access pattern
// and of a mixed row against times worked out by hand.
func TestDeriveRoofline(t *testing.T) {
	peaks := Peaks{CopyGBps: 40, ReadGBps: 50, ReadMethod: "vector", GFlops: 400}
	for _, c := range []struct {
		name  string
		r     Result
		want  float64 // roofline seconds
		bound string
	}{
		// 8e9 bytes read in order at 50 GB/s, 2e9 written at copy's 40.
		{"read", Result{Bytes: 10e9, ReadBytes: 8e9}, 8.0/50 + 2.0/40, "read"},
		// Gathered rows at 10 GB/s, the rest (q, O) at the copy peak.
		{"gather", Result{Bytes: 4e9 + 4e6, GatherBytes: 4e9, GatherPeakGBps: 10}, 0.4 + 4e6/40e9, "gather"},
		// 8e12 flops at 400 GFLOP/s is 20 s, far above the memory time.
		{"fma", Result{Bytes: 1e9, GatherBytes: 1e9, GatherPeakGBps: 10, Flops: 8e12}, 20, "fma"},
		// A selection scan plus a sparse attention: their memory times add.
		{"mixed", Result{Bytes: 5e9 + 1e9, ReadBytes: 5e9, GatherBytes: 1e9, GatherPeakGBps: 5, Flops: 4e9},
			0.1 + 0.2, "gather"},
		// RoPE: everything streams in and out like a copy.
		{"copy", Result{Bytes: 8e9, Flops: 1e9}, 0.2, "copy"},
	} {
		r := c.r
		r.Seconds = 2 * c.want
		r.Derive(peaks)
		if !near(r.RooflineSeconds, c.want) || r.RooflineBound != c.bound || !near(r.RatioToRoofline, 0.5) {
			t.Errorf("%s: roofline %v (%s), ratio %v; want %v (%s), 0.5",
				c.name, r.RooflineSeconds, r.RooflineBound, r.RatioToRoofline, c.want, c.bound)
		}
	}

	// The read and gather ratios relate GB/s to their own peaks, and are
	// left unset where the row has no such traffic or no peak was measured.
	r := Result{Seconds: 2, Bytes: 8e9, ReadBytes: 8e9, GatherBytes: 0}
	r.Derive(peaks)
	if r.ReadPeakGBps != 50 || r.ReadPeakMethod != "vector" || r.RatioToReadPeak != 0.08 || r.RatioToGatherPeak != 0 {
		t.Errorf("read row: peak %v (%q), ratios %v, %v", r.ReadPeakGBps, r.ReadPeakMethod, r.RatioToReadPeak, r.RatioToGatherPeak)
	}
	r = Result{Seconds: 2, Bytes: 8e9, GatherBytes: 8e9, GatherPeakGBps: 16}
	r.Derive(peaks)
	if r.RatioToGatherPeak != 0.25 || r.ReadPeakGBps != 0 || r.RatioToReadPeak != 0 {
		t.Errorf("gather row: ratios %v, read peak %v", r.RatioToGatherPeak, r.ReadPeakGBps)
	}

	// A device backend measures no read or gather peak: those bytes are
	// costed at its copy peak.
	d := Result{Seconds: 1, Bytes: 3e9, ReadBytes: 1e9, GatherBytes: 1e9}
	d.Derive(Peaks{CopyGBps: 1000, GFlops: 1e5})
	if !near(d.RooflineSeconds, 3e-3) || d.RatioToReadPeak != 0 || d.RatioToGatherPeak != 0 {
		t.Errorf("device row: roofline %v, ratios %v, %v", d.RooflineSeconds, d.RatioToReadPeak, d.RatioToGatherPeak)
	}
	// Without an FMA peak a row with flops has no roofline.
	f := Result{Seconds: 1, Bytes: 1e9, Flops: 1e9}
	if f.Derive(Peaks{CopyGBps: 10}); f.RooflineSeconds != 0 || f.RatioToRoofline != 0 || f.RooflineBound != "" {
		t.Errorf("no FMA peak: roofline %v (%q)", f.RooflineSeconds, f.RooflineBound)
	}
}

// TestAttendTraffic checks the bytes and access of the attention rows for
// Llama-3.1-8B shapes (32/8 heads, d=128, bf16).
func TestAttendTraffic(t *testing.T) {
	const S = 131072
	// One slot's K (or V) row for all 8 kv heads: 8·128·2 = 2048 bytes.
	kv := 2.0 * S * 2048
	dense := attendTraffic(1, 32, 8, 128, S, true)
	if dense.ReadBytes != kv || dense.GatherBytes != 0 {
		t.Errorf("dense: read %v, gather %v; want %v, 0", dense.ReadBytes, dense.GatherBytes, kv)
	}
	// q read (32·128·2), O written (32·128·2), LSE written (32·4).
	if want := kv + 32*128*2*2 + 32*4; dense.Bytes != want {
		t.Errorf("dense bytes %v, want %v", dense.Bytes, want)
	}
	// q·k and p·v: 2·128 flops each per head and key.
	if want := 4.0 * 32 * S * 128; dense.Flops != want {
		t.Errorf("dense flops %v, want %v", dense.Flops, want)
	}
	sp := attendTraffic(1, 32, 8, 128, 8192, false)
	if sp.GatherBytes != 2*8192*2048 || sp.GatherRowBytes != 2048 || sp.ReadBytes != 0 {
		t.Errorf("sparse: gather %v of %d-byte rows, read %v", sp.GatherBytes, sp.GatherRowBytes, sp.ReadBytes)
	}
	// At a 10 GB/s gather peak, 64 GB/s copy and 300 GFLOP/s the 8k row
	// is bound by its 33.5 MB of gathered rows: 3.36 ms.
	sp.Seconds, sp.GatherPeakGBps = 0.005, 10
	sp.Derive(Peaks{CopyGBps: 64, GFlops: 300})
	want := sp.GatherBytes/10e9 + (sp.Bytes-sp.GatherBytes)/64e9
	if !near(sp.RooflineSeconds, want) || sp.RooflineBound != "gather" {
		t.Errorf("sparse roofline %v (%s), want %v (gather)", sp.RooflineSeconds, sp.RooflineBound, want)
	}
}

// TestSelectTraffic checks the bytes, in-order reads and flops of the
// selection rows for Llama-3.1-8B shapes over 131072 slots.
func TestSelectTraffic(t *testing.T) {
	const S, Hq, Hk, D = 131072, 32, 8, 128
	k := float64(S * Hk * D * 2) // the bf16 key pool: 268 MB
	P := float64(S / selectPageSize)
	meta := P * Hk * D * 4
	want := map[string][3]float64{ // bytes, read, flops
		"scores":      {k + Hq*D*2 + Hq*S*4, k, 2 * Hq * S * D},
		"criticality": {Hq*S*4 + S*4, Hq * S * 4, 0},
		"topk":        {S*4 + selectTopK*4, S * 4, 0},
		"pagemeta":    {k + 2*meta, k, 0},
		"pagescores":  {2*meta + Hq*P*4, 2 * meta, 4 * Hq * P * D},
	}
	rs := selectTraffic(S, Hq, Hk, D)
	if len(rs) != len(want) {
		t.Fatalf("%d rows, want %d", len(rs), len(want))
	}
	for _, r := range rs {
		w, ok := want[r.Op]
		if !ok {
			t.Errorf("unexpected row %q", r.Op)
			continue
		}
		if r.Bytes != w[0] || r.ReadBytes != w[1] || r.Flops != w[2] || r.GatherBytes != 0 {
			t.Errorf("%s: bytes %v, read %v, flops %v; want %v", r.Op, r.Bytes, r.ReadBytes, r.Flops, w)
		}
	}
}
