package precision

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// Pipeline is one way of applying RoPE, as the audit compares them: the
// float64 truth, the float32 and Hugging Face pipelines models run in
// practice, rotor's own angle modes, or any ops.Backend.
//
// Inputs are values already representable in the dtype under audit
// (float32 holds every bf16 and f16 value); outputs are the float64
// values of what the pipeline produces, so a pipeline that rounds to
// dtype dt returns dt values and the fp64 pipeline returns unrounded
// results.
type Pipeline interface {
	// Name labels the pipeline in tables, plots and gates.
	Name() string
	// Tables returns the cos and sin each pair is multiplied by, as the
	// pipeline holds them when rotating dtype dt (including the attention
	// factor): cos[t*pairs+j] and sin[t*pairs+j] for position pos[t].
	Tables(r *ops.Rotary, dt ops.DType, pos []int32) (cos, sin []float64, err error)
	// Rotate rotates x, a dense [len(pos), heads, r.HeadDim] array, and
	// returns the results; x is not modified.
	Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error)
}

// The pipeline names used by the audit's gates and the CLI.
const (
	NameFP64     = "fp64"
	NameFP32     = "fp32"
	NameHF       = "hf"
	NameAccurate = "accurate"
	NameCompat   = "compat"
)

// auditAccurateAngles is the cos/sin function of the Accurate pipeline.
// It is a variable only so that a test can swap in a float32 angle and
// prove the audit's gates then fail.
var auditAccurateAngles = AccurateCosSin

// FP64 returns the float64 pipeline: the exact angle pos·InvFreq (the
// product's rounding error carried into the reduction, as
// AccurateCosSin does) and its cos and sin in float64 by rotor's own
// polynomial, the rotation in float64, no rounding of the result. It
// differs from the audit's reference (RefCosSin, from math.Sincos) only
// by float64 rounding.
func FP64() Pipeline { return fp64Pipe{} }

// FP32 returns the float32 pipeline of TransformerEngine, vLLM and
// FlashAttention's Triton kernel: the float32 angle float32(pos)·f32
// inv_freq, float32 cos and sin (of that float32 angle, correctly
// rounded), float32 rotation, one rounding to the dtype.
func FP32() Pipeline { return fp32Pipe{} }

// HF returns Hugging Face transformers' pipeline: the float32 angle and
// float32 cos and sin (times the attention factor) cast to the dtype, then
// q*cos + rotate_half(q)*sin with every product and the sum computed in
// float32 and rounded to the dtype, as torch does for bf16 tensors.
func HF() Pipeline { return hfPipe{} }

// Rotor returns the model of rotor's RoPE op in angle mode m:
// precision.AccurateCosSin or precision.CompatCosSin for the float32
// tables, precision.RotatePair for the rotation, one rounding to the
// dtype. Backends implement exactly this; BackendPipeline audits one.
func Rotor(m ops.AngleMode) Pipeline { return rotorPipe{mode: m} }

// DefaultPipelines returns FP64, FP32, HF, Rotor(Accurate) and
// Rotor(Compat), the columns of a default audit.
func DefaultPipelines() []Pipeline {
	return []Pipeline{FP64(), FP32(), HF(), Rotor(ops.Accurate), Rotor(ops.Compat)}
}

// checkPipeArgs validates the arguments every pipeline shares.
func checkPipeArgs(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if dt != ops.F32 && dt != ops.BF16 && dt != ops.F16 {
		return ops.Errorf(ops.ErrDType, "dtype", dt, "want f32, bf16 or f16")
	}
	if err := ops.CheckPositions("positions", pos); err != nil {
		return err
	}
	if x == nil && heads == 0 {
		return nil // tables only
	}
	if heads < 1 {
		return ops.Errorf(ops.ErrShape, "heads", heads, "want at least 1")
	}
	if want := len(pos) * heads * r.HeadDim; len(x) != want {
		return ops.Errorf(ops.ErrShape, "x", len(x), "want len(pos)·heads·head_dim = %d elements", want)
	}
	return nil
}

// pipePairFunc rotates one pair with the tables of its position.
type pipePairFunc func(a, b float32, c, s float64) (ra, rb float64)

// pipeRotate applies RoPE with per-position tables from cs (cos and sin
// per pair) and the pair arithmetic rot; elements beyond Dim pass through.
func pipeRotate(r *ops.Rotary, pos []int32, heads int, x []float32, cos, sin []float64, rot pipePairFunc) []float64 {
	y := make([]float64, len(x))
	half, hd := r.Pairs(), r.HeadDim
	for t := range pos {
		c, s := cos[t*half:][:half], sin[t*half:][:half]
		for h := range heads {
			o := (t*heads + h) * hd
			xr, yr := x[o:o+hd], y[o:o+hd]
			for k := r.Dim; k < hd; k++ {
				yr[k] = float64(xr[k])
			}
			for j := range half {
				ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
				yr[ia], yr[ib] = rot(xr[ia], xr[ib], c[j], s[j])
			}
		}
	}
	return y
}

// pipeTables fills cos/sin for every (position, pair) with fn.
func pipeTables(r *ops.Rotary, pos []int32, fn func(p int32, j int) (c, s float64)) (cos, sin []float64) {
	half := r.Pairs()
	cos, sin = make([]float64, len(pos)*half), make([]float64, len(pos)*half)
	for t, p := range pos {
		for j := range half {
			cos[t*half+j], sin[t*half+j] = fn(p, j)
		}
	}
	return cos, sin
}

type fp64Pipe struct{}

func (fp64Pipe) Name() string { return NameFP64 }

func (fp64Pipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	// The truth uses RefCosSin (math.Sincos of the exact angle), which
	// shares no code with the accurate pipeline's own sin/cos.
	c, s := pipeTables(r, pos, func(p int32, j int) (float64, float64) {
		return RefCosSin(p, r.InvFreq[j], r.AttentionFactor)
	})
	return c, s, nil
}

func (f fp64Pipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	c, s, _ := f.Tables(r, dt, pos)
	return pipeRotate(r, pos, heads, x, c, s, func(a, b float32, c, s float64) (float64, float64) {
		A, B := float64(a), float64(b)
		return A*c - B*s, B*c + A*s
	}), nil
}

// pipeRound32 is the float32 rotation with one final rounding to dt
// shared by FP32, Rotor and backends: RotatePair, then Round(dt).
func pipeRound32(dt ops.DType) pipePairFunc {
	return func(a, b float32, c, s float64) (float64, float64) {
		ra, rb := RotatePair(a, b, float32(c), float32(s))
		return float64(Round(dt, ra)), float64(Round(dt, rb))
	}
}

type fp32Pipe struct{}

func (fp32Pipe) Name() string { return NameFP32 }

func (fp32Pipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	f32, attn := r.F32(), float32(r.AttentionFactor)
	c, s := pipeTables(r, pos, func(p int32, j int) (float64, float64) {
		sd, cd := math.Sincos(float64(CompatAngle(p, f32[j])))
		c, s := float32(cd), float32(sd)
		if attn != 1 {
			c, s = float32(c*attn), float32(s*attn)
		}
		return float64(c), float64(s)
	})
	return c, s, nil
}

func (f fp32Pipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	c, s, _ := f.Tables(r, dt, pos)
	return pipeRotate(r, pos, heads, x, c, s, pipeRound32(dt)), nil
}

type hfPipe struct{}

func (hfPipe) Name() string { return NameHF }

func (hfPipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	f32 := r.F32()
	c, s := pipeTables(r, pos, func(p int32, j int) (float64, float64) {
		c, s := CompatCosSin(p, f32[j], r.AttentionFactor)
		return float64(Round(dt, c)), float64(Round(dt, s))
	})
	return c, s, nil
}

func (f hfPipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	c, s, _ := f.Tables(r, dt, pos)
	// q*cos + rotate_half(q)*sin: rotate_half puts −x_b at a and x_a at b.
	// Each elementwise op is evaluated in float32 and rounded to dt.
	return pipeRotate(r, pos, heads, x, c, s, func(a, b float32, c, s float64) (float64, float64) {
		cf, sf := float32(c), float32(s)
		ac, nbs := Round(dt, a*cf), Round(dt, -b*sf)
		bc, as := Round(dt, b*cf), Round(dt, a*sf)
		return float64(Round(dt, ac+nbs)), float64(Round(dt, bc+as))
	}), nil
}

type rotorPipe struct{ mode ops.AngleMode }

func (p rotorPipe) Name() string {
	if p.mode == ops.Compat {
		return NameCompat
	}
	return NameAccurate
}

func (p rotorPipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	if p.mode != ops.Accurate && p.mode != ops.Compat {
		return nil, nil, ops.Errorf(ops.ErrConfig, "angles", p.mode, "want accurate or compat")
	}
	var fn func(p int32, j int) (float64, float64)
	if p.mode == ops.Compat {
		f32 := r.F32()
		fn = func(p int32, j int) (float64, float64) {
			c, s := CompatCosSin(p, f32[j], r.AttentionFactor)
			return float64(c), float64(s)
		}
	} else {
		fn = func(p int32, j int) (float64, float64) {
			c, s := auditAccurateAngles(p, r.InvFreq[j], r.AttentionFactor)
			return float64(c), float64(s)
		}
	}
	c, s := pipeTables(r, pos, fn)
	return c, s, nil
}

func (p rotorPipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	c, s, err := p.Tables(r, dt, pos)
	if err != nil {
		return nil, err
	}
	return pipeRotate(r, pos, heads, x, c, s, pipeRound32(dt)), nil
}

// refPipe is the audit's float64 reference (RefCosSin: math.Sincos) with
// exact or float32 frequencies. It is not a column of the audit.
type refPipe struct{ freqs FreqRef }

func (p refPipe) Name() string { return fmt.Sprintf("ref-%v", p.freqs) }

func (p refPipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	f, err := RefInvFreq(r, p.freqs)
	if err != nil {
		return nil, nil, err
	}
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	c, s := pipeTables(r, pos, func(p int32, j int) (float64, float64) {
		return RefCosSin(p, f[j], r.AttentionFactor)
	})
	return c, s, nil
}

func (p refPipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	c, s, err := p.Tables(r, dt, pos)
	if err != nil {
		return nil, err
	}
	return pipeRotate(r, pos, heads, x, c, s, func(a, b float32, c, s float64) (float64, float64) {
		A, B := float64(a), float64(b)
		return A*c - B*s, B*c + A*s
	}), nil
}
