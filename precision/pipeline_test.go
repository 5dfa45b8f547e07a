package precision_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// pipeRotary builds a schedule from the default formula, in the given
// layout, rotating dim of headDim elements, with attention factor attn.
func pipeRotary(headDim, dim int, base, attn float64, l ops.Layout) *ops.Rotary {
	r := &ops.Rotary{Type: "default", HeadDim: headDim, Dim: dim, AttentionFactor: attn, Layout: l}
	for j := range dim / 2 {
		r.InvFreq = append(r.InvFreq, 1/math.Pow(base, float64(2*j)/float64(dim)))
	}
	return r
}

// pipeInputs returns positions spread over [0, 2^20] (with 0, 1 and the
// powers of two around 2^k) and heads random vectors per position,
// rounded to dt.
func pipeInputs(r *ops.Rotary, dt ops.DType, heads int) ([]int32, []float32) {
	pos := []int32{0, 1, 2, 255, 256, 4095, 4096, 65535, 131071, 1 << 20}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 22 {
		pos = append(pos, int32(math.Exp(rng.Float64()*math.Log(1<<20))))
	}
	x := make([]float32, len(pos)*heads*r.HeadDim)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	precision.RoundSlice(dt, x, x)
	return pos, x
}

func f64s(x []float32) []float64 {
	y := make([]float64, len(x))
	precision.Float64SliceFromFloat32(y, x)
	return y
}

var dtypes = []ops.DType{ops.BF16, ops.F16, ops.F32}

// TestPipelineOutputsAreDTypeValues: every rounding pipeline returns
// values of the dtype; FP64 returns the float64 rotation within 1e-12 of
// the math.Sincos reference.
func TestPipelineOutputsAreDTypeValues(t *testing.T) {
	r := pipeRotary(128, 128, 5e5, 1, ops.NeoX)
	for _, dt := range dtypes {
		pos, x := pipeInputs(r, dt, 2)
		for _, p := range precision.DefaultPipelines() {
			y, err := p.Rotate(r, dt, pos, 2, x)
			if err != nil {
				t.Fatal(p.Name(), dt, err)
			}
			if p.Name() == precision.NameFP64 {
				want, _ := precision.RefRoPE(f64s(x), 2, pos, r, precision.ExactFreqs)
				if d := precision.MaxAbs(y, want); d > 1e-12 {
					t.Errorf("fp64: max |y − ref| = %g, want ≤ 1e-12", d)
				}
				continue
			}
			for i, v := range y {
				if f := float32(v); float64(f) != v || precision.Round(dt, f) != f {
					t.Fatalf("%s %v: output %d = %g is not a %v value", p.Name(), dt, i, v, dt)
				}
			}
		}
	}
}

// TestPipelineAccurateRoundsCorrectly: the accurate pipeline's 16-bit
// outputs are the correctly rounded exact rotation (fraction < 1e-3,
// never more than one ulp away) at every position up to 2^20, while
// the float32-angle pipelines are not at 2^20.
func TestPipelineAccurateRoundsCorrectly(t *testing.T) {
	r := pipeRotary(128, 128, 5e5, 1, ops.NeoX)
	for _, dt := range []ops.DType{ops.BF16, ops.F16} {
		pos, x := pipeInputs(r, dt, 8)
		want, _ := precision.RefRoPE(f64s(x), 8, pos, r, precision.ExactFreqs)
		y, err := precision.Rotor(ops.Accurate).Rotate(r, dt, pos, 8, x)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, len(y))
		for i, v := range y {
			got[i] = float32(v)
		}
		if f := precision.MismatchFraction(got, want, dt); f >= 1e-3 {
			t.Errorf("accurate %v: mismatch fraction %g, want < 1e-3", dt, f)
		}
		for i, g := range got {
			cr := precision.RoundFromFloat64(dt, want[i])
			if ulp := oneULP(dt, cr); math.Abs(float64(g-cr)) > ulp {
				t.Fatalf("accurate %v: element %d = %g, correctly rounded %g: more than one ulp", dt, i, g, cr)
			}
		}
		// The float32 angle is off by about 3e-2 rad at 2^20: most outputs
		// at that position misround.
		last := []int32{1 << 20}
		xl := x[len(x)-8*r.HeadDim:]
		wl, _ := precision.RefRoPE(f64s(xl), 8, last, r, precision.ExactFreqs)
		yl, _ := precision.Rotor(ops.Compat).Rotate(r, dt, last, 8, xl)
		gl := make([]float32, len(yl))
		for i, v := range yl {
			gl[i] = float32(v)
		}
		if f := precision.MismatchFraction(gl, wl, dt); f < 0.05 {
			t.Errorf("compat %v at 2^20: mismatch fraction %g, expected the float32 angle to show (> 0.05)", dt, f)
		}
	}
}

// oneULP returns the distance from |v| to the next larger value of dt
// (the subnormal spacing below the normal range).
func oneULP(dt ops.DType, v float32) float64 {
	_, e := math.Frexp(math.Abs(float64(v)))
	bits := map[ops.DType]int{ops.BF16: 8, ops.F16: 11, ops.F32: 24}[dt]
	tiny := map[ops.DType]int{ops.BF16: -133, ops.F16: -24, ops.F32: -149}[dt]
	return math.Ldexp(1, max(e-bits, tiny))
}

// TestPipelineTables checks each pipeline's cos/sin tables against
// formulas: fp64 and accurate within float64 resp. float32 rounding of
// the exact values; fp32 and compat the float32 cos and sin of the
// float32 angle; hf those rounded to the dtype.
func TestPipelineTables(t *testing.T) {
	r := pipeRotary(64, 64, 1e4, 1.25, ops.NeoX)
	f32 := r.F32()
	pos, _ := pipeInputs(r, ops.BF16, 1)
	half := r.Pairs()
	for _, dt := range dtypes {
		for _, p := range precision.DefaultPipelines() {
			c, s, err := p.Tables(r, dt, pos)
			if err != nil {
				t.Fatal(err)
			}
			for ti, pp := range pos {
				for j := range half {
					var wc, ws, tol float64
					switch p.Name() {
					case precision.NameFP64, precision.NameAccurate:
						wc, ws = precision.RefCosSin(pp, r.InvFreq[j], 1.25)
						tol = 1e-13
						if p.Name() == precision.NameAccurate {
							tol = 1.25 * 0x1p-24
						}
					default:
						sn, cs := math.Sincos(float64(float32(float32(pp) * f32[j])))
						wc, ws = 1.25*cs, 1.25*sn
						tol = 1.25 * 0x1p-23 // cos, sin rounded, then times float32(attn)
						if p.Name() == precision.NameHF {
							tol += 1.3 * oneULP(dt, 1) / 2
						}
					}
					gc, gs := c[ti*half+j], s[ti*half+j]
					if math.Abs(gc-wc) > tol || math.Abs(gs-ws) > tol {
						t.Fatalf("%s %v pos %d pair %d: (cos, sin) = (%g, %g), want (%g, %g) ± %g", p.Name(), dt, pp, j, gc, gs, wc, ws, tol)
					}
					if p.Name() == precision.NameHF {
						if precision.Round(dt, float32(gc)) != float32(gc) || precision.Round(dt, float32(gs)) != float32(gs) {
							t.Fatalf("hf %v: table values (%g, %g) are not %v values", dt, gc, gs, dt)
						}
					}
				}
			}
		}
	}
}

// TestPipelineHFStepByStep checks the Hugging Face pipeline against
// q*cos + rotate_half(q)*sin written out with every torch op rounded to
// the dtype.
func TestPipelineHFStepByStep(t *testing.T) {
	for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
		r := pipeRotary(96, 64, 1e6, 1, l)
		f32 := r.F32()
		for _, dt := range dtypes {
			pos, x := pipeInputs(r, dt, 3)
			y, err := precision.HF().Rotate(r, dt, pos, 3, x)
			if err != nil {
				t.Fatal(err)
			}
			rd := func(v float32) float32 { return precision.Round(dt, v) }
			for ti, p := range pos {
				for h := range 3 {
					o := (ti*3 + h) * r.HeadDim
					for k := r.Dim; k < r.HeadDim; k++ {
						if y[o+k] != float64(x[o+k]) {
							t.Fatalf("pass-through element %d changed", k)
						}
					}
					for j := range r.Pairs() {
						a, b := ops.PairIndex(l, r.Dim, j)
						c32, s32 := precision.CompatCosSin(p, f32[j], 1)
						c, s := rd(c32), rd(s32)
						wa := rd(rd(x[o+a]*c) + rd(-x[o+b]*s))
						wb := rd(rd(x[o+b]*c) + rd(x[o+a]*s))
						if y[o+a] != float64(wa) || y[o+b] != float64(wb) {
							t.Fatalf("%v %v pos %d pair %d: got (%g, %g), want (%g, %g)", l, dt, p, j, y[o+a], y[o+b], wa, wb)
						}
					}
				}
			}
		}
	}
}

// TestBackendPipelineMatchesRotor runs the fallback backend through the
// adapter: its outputs and probed tables must equal the Rotor model of
// the same mode bit for bit (the backend implements exactly that
// arithmetic), with heads split between q and k.
func TestBackendPipelineMatchesRotor(t *testing.T) {
	b := fallback.New()
	defer b.Close()
	for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
		r := pipeRotary(80, 48, 5e5, 1.1, l)
		for _, mode := range []ops.AngleMode{ops.Accurate, ops.Compat} {
			bp, model := precision.BackendPipeline(b, mode), precision.Rotor(mode)
			if want := "fallback:" + mode.String(); bp.Name() != want {
				t.Errorf("name %q, want %q", bp.Name(), want)
			}
			for _, dt := range dtypes {
				for _, heads := range []int{1, 3} {
					pos, x := pipeInputs(r, dt, heads)
					got, err := bp.Rotate(r, dt, pos, heads, x)
					if err != nil {
						t.Fatal(err)
					}
					want, _ := model.Rotate(r, dt, pos, heads, x)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%v %v %v heads %d: element %d = %g, model %g", l, mode, dt, heads, i, got[i], want[i])
						}
					}
				}
				pos, _ := pipeInputs(r, dt, 1)
				gc, gs, err := bp.Tables(r, dt, pos)
				if err != nil {
					t.Fatal(err)
				}
				wc, ws, _ := model.Tables(r, dt, pos)
				for i := range wc {
					if gc[i] != wc[i] || gs[i] != ws[i] {
						t.Fatalf("%v %v: probed table %d = (%g, %g), model (%g, %g)", l, mode, i, gc[i], gs[i], wc[i], ws[i])
					}
				}
			}
		}
	}
}

// TestPipelineErrors checks that bad arguments give typed errors naming
// the argument, from every pipeline.
func TestPipelineErrors(t *testing.T) {
	r := pipeRotary(8, 8, 1e4, 1, ops.NeoX)
	pipes := append(precision.DefaultPipelines(), precision.BackendPipeline(fallback.New(), ops.Accurate))
	x := make([]float32, 2*r.HeadDim)
	for _, p := range pipes {
		cases := []struct {
			name string
			r    *ops.Rotary
			dt   ops.DType
			pos  []int32
			h    int
			x    []float32
			kind error
		}{
			{"nil rotary", nil, ops.BF16, []int32{0, 1}, 1, x, ops.ErrConfig},
			{"i32 dtype", r, ops.I32, []int32{0, 1}, 1, x, ops.ErrDType},
			{"negative position", r, ops.BF16, []int32{0, -3}, 1, x, ops.ErrRange},
			{"short x", r, ops.BF16, []int32{0, 1}, 1, x[:9], ops.ErrShape},
			{"zero heads", r, ops.BF16, []int32{0, 1}, 0, x, ops.ErrShape},
		}
		for _, c := range cases {
			_, err := p.Rotate(c.r, c.dt, c.pos, c.h, c.x)
			if !errors.Is(err, c.kind) {
				t.Errorf("%s %s: err = %v, want %v", p.Name(), c.name, err, c.kind)
			}
			var ae *ops.ArgError
			if err != nil && !errors.As(err, &ae) {
				t.Errorf("%s %s: %v is not an *ops.ArgError", p.Name(), c.name, err)
			}
		}
		if _, _, err := p.Tables(r, ops.BF16, []int32{-1}); !errors.Is(err, ops.ErrRange) {
			t.Errorf("%s tables at -1: err = %v, want ErrRange", p.Name(), err)
		}
	}
}

// ExampleBackendPipeline audits a backend's own RoPE op the way an engine
// would in its tests: the fallback backend in Accurate mode against the
// float64 truth, gated on the accurate-rotation gate.
func ExampleBackendPipeline() {
	r, err := ops.DefaultRoPE(128, 500000)
	if err != nil {
		panic(err)
	}
	rep, err := precision.Audit(precision.AuditOptions{
		Rotary:    r,
		MaxPos:    1 << 17,
		Pipelines: []precision.Pipeline{precision.BackendPipeline(fallback.New(), ops.Accurate)},
		Study:     precision.StudyOptions{Skip: true},
	})
	if err != nil {
		panic(err)
	}
	for _, g := range rep.Gates() {
		fmt.Println(g.Name, g.Subject, g.Pass)
	}
	fmt.Printf("max angle error below 1e-7 rad: %v\n", rep.Max(precision.MetricAngle, "fallback:accurate", 1<<17) < 1e-7)
	// Output:
	// rotation-accurate fallback:accurate true
	// position-0-identity all true
	// max angle error below 1e-7 rad: true
}
