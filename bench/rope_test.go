package bench

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// TestNaiveRoPE checks the naive baseline against the float64 rotation:
// per pair the float32 result is within 6·2^-24·attn·max(|a|,|b|) (f32)
// and the 16-bit results within that plus half an ulp of the dtype
// (2^-8 relative for bf16's 8-bit significand, 2^-11 for f16's 11).
func TestNaiveRoPE(t *testing.T) {
	m, _ := LookupModel("gpt-oss-20b")
	r, err := m.Rotary(0)
	if err != nil {
		t.Fatal(err)
	}
	pos := []int32{0, 7, 4096, 131071}
	const H = 3
	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		rng := rand.New(rand.NewPCG(1, 2))
		in := make([]float32, len(pos)*H*r.HeadDim)
		for i := range in {
			in[i] = precision.Round(dt, float32(rng.NormFloat64()))
		}
		var data any
		if dt == ops.F32 {
			data = append([]float32(nil), in...)
		} else {
			u := make([]uint16, len(in))
			for i, v := range in {
				u[i] = narrow(dt, v)
			}
			data = u
		}
		naiveRoPE(dt, data, len(pos), H, pos, r)
		got := make([]float32, len(in))
		for i := range got {
			if dt == ops.F32 {
				got[i] = data.([]float32)[i]
			} else {
				got[i] = widen(dt, data.([]uint16)[i])
			}
		}
		in64 := make([]float64, len(in))
		precision.Float64SliceFromFloat32(in64, in)
		truth, err := precision.RefRoPE(in64, H, pos, r, precision.ExactFreqs)
		if err != nil {
			t.Fatal(err)
		}
		half := map[ops.DType]float64{ops.F32: 0, ops.BF16: 0x1p-8, ops.F16: 0x1p-11}[dt] // half an ulp, relative
		for h := 0; h < len(pos)*H; h++ {
			o := h * r.HeadDim
			for j := 0; j < r.Dim/2; j++ {
				ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
				scale := r.AttentionFactor * math.Max(math.Abs(float64(in[o+ia])), math.Abs(float64(in[o+ib])))
				for _, i := range []int{o + ia, o + ib} {
					eps := 6 * 0x1p-24 * scale
					tol := eps + half*(math.Abs(truth[i])+eps)
					if d := math.Abs(float64(got[i]) - truth[i]); d > tol {
						t.Fatalf("%s: element %d = %v, truth %v (|err| %g > %g)", dt, i, got[i], truth[i], d, tol)
					}
				}
			}
		}
		// Position 0 is the identity up to the attention factor.
		if dt == ops.F32 {
			for i := 0; i < H*r.HeadDim; i++ {
				if want := float32(float64(in[i]) * r.AttentionFactor); math.Abs(float64(got[i]-want)) > 0x1p-23*math.Abs(float64(want)) {
					t.Fatalf("position 0 element %d = %v, want %v", i, got[i], want)
				}
			}
		}
	}
}

func testCtx(b ops.Backend) *Ctx {
	return &Ctx{Backend: b, Options: Options{MinTime: time.Millisecond, Quick: true}, Peaks: Peaks{CopyGBps: 10, GFlops: 100}}
}

func TestRoPERowFallback(t *testing.T) {
	m, _ := LookupModel("phi-3-mini-128k")
	r, err := m.Rotary(0)
	if err != nil {
		t.Fatal(err)
	}
	c := testCtx(fallback.New())
	for _, dt := range ropeDTypes {
		row, err := ropeRow(c, m, r, 3, dt)
		if err != nil {
			t.Fatal(err)
		}
		row = c.Finish(row)
		if row.Skipped {
			t.Fatalf("row skipped: %s", row.Notes)
		}
		if row.Shape != "T=3 Hq=32 Hk=32 D=96" || row.DType != dt.String() || row.Model != m.Name || row.Backend != "fallback" {
			t.Errorf("row identity %+v", row)
		}
		if row.Bytes != RoPEBytes(3, 32, 32, 96, dt) || row.Flops != RoPEFlops(3, 32, 32, 96) {
			t.Errorf("bytes %v flops %v", row.Bytes, row.Flops)
		}
		if !(row.Seconds > 0 && row.NaiveSeconds > 0 && row.Calls > 0) {
			t.Errorf("timings %+v", row)
		}
		if math.Abs(row.GBps-row.Bytes/row.Seconds/1e9) > 1e-9*row.GBps || math.Abs(row.RatioToPeak-row.GBps/10) > 1e-12 {
			t.Errorf("derived rates %+v", row)
		}
		if !strings.Contains(row.Notes, "longrope") {
			t.Errorf("notes %q", row.Notes)
		}
	}
}

// noRoPE is a backend whose RoPE is unsupported.
type noRoPE struct{ *fallback.Backend }

func (noRoPE) Name() string { return "norope" }

func (noRoPE) RoPE(*ops.RoPEArgs) error {
	return ops.Errorf(ops.ErrUnsupported, "op", "rope", "not here")
}

func TestRoPERowUnsupportedIsSkipped(t *testing.T) {
	m, _ := LookupModel("llama-3.1-8b")
	r, _ := m.Rotary(0)
	row, err := ropeRow(testCtx(noRoPE{fallback.New()}), m, r, 2, ops.BF16)
	if err != nil {
		t.Fatal(err)
	}
	if !row.Skipped || !strings.Contains(row.Notes, "unsupported") || row.Seconds != 0 {
		t.Errorf("row %+v: want skipped with the error as note", row)
	}
}

// failRoPE is a backend whose RoPE fails with a range error.
type failRoPE struct{ *fallback.Backend }

func (failRoPE) RoPE(*ops.RoPEArgs) error {
	return ops.Errorf(ops.ErrRange, "positions[0]", -1, "want ≥ 0")
}

func TestRoPERowErrorAborts(t *testing.T) {
	m, _ := LookupModel("llama-3.1-8b")
	r, _ := m.Rotary(0)
	if _, err := ropeRow(testCtx(failRoPE{fallback.New()}), m, r, 2, ops.F32); !errors.Is(err, ops.ErrRange) {
		t.Errorf("error %v, want the backend's ErrRange", err)
	}
}
