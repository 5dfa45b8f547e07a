package ops

import (
	"fmt"
	"math"
)

// Layout says which elements of a head form a rotated pair.
type Layout uint8

const (
	// NeoX pairs x[j] with x[j+Dim/2] ("rotate_half"; Hugging Face, vLLM
	// is_neox_style=True).
	NeoX Layout = iota
	// GPTJ pairs x[2j] with x[2j+1] (interleaved; Meta reference, GGUF
	// Llama).
	GPTJ
)

// String returns "neox" or "gptj".
func (l Layout) String() string {
	switch l {
	case NeoX:
		return "neox"
	case GPTJ:
		return "gptj"
	}
	return fmt.Sprintf("layout(%d)", uint8(l))
}

// ParseLayout maps "neox" (also "half") or "gptj" (also "interleaved") to
// a Layout.
func ParseLayout(s string) (Layout, error) {
	switch s {
	case "neox", "half", "rotate_half":
		return NeoX, nil
	case "gptj", "interleaved", "gpt-j":
		return GPTJ, nil
	}
	return 0, Errorf(ErrConfig, "layout", s, "want neox or gptj")
}

// AngleMode says how rotation angles are formed.
type AngleMode uint8

const (
	// Accurate (the default) forms pos*inv_freq in float64, reduces it
	// modulo 2π in float64, evaluates cos and sin in float64 and rounds
	// them once to float32. Angles stay correct at millions of positions.
	Accurate AngleMode = iota
	// Compat forms the angle as Hugging Face and vLLM do: float32(pos) *
	// float32 inv_freq, rounded to float32, for bit-parity with engines
	// that trained that way. Its error grows linearly with position.
	Compat
)

// String returns "accurate" or "compat".
func (m AngleMode) String() string {
	switch m {
	case Accurate:
		return "accurate"
	case Compat:
		return "compat"
	}
	return fmt.Sprintf("angles(%d)", uint8(m))
}

// ParseAngleMode maps "accurate" or "compat" to an AngleMode.
func ParseAngleMode(s string) (AngleMode, error) {
	switch s {
	case "accurate", "":
		return Accurate, nil
	case "compat":
		return Compat, nil
	}
	return 0, Errorf(ErrConfig, "angles", s, "want accurate or compat")
}

// Rotary is a resolved RoPE schedule: everything a kernel needs to rotate
// one head.
//
// Pair j (0 ≤ j < Dim/2) at position p is rotated by the angle
// p*InvFreq[j]; cos and sin are multiplied by AttentionFactor. Elements
// Dim..HeadDim-1 pass through unchanged (partial rotary).
type Rotary struct {
	// Type names the schedule: "default", "linear", "ntk", "dynamic",
	// "yarn", "llama3", "longrope", "proportional", "giraffe-power",
	// "giraffe-truncate" or "table".
	Type string
	// HeadDim is the full head dimension.
	HeadDim int
	// Dim is the number of rotated dimensions (even, ≤ HeadDim).
	Dim int
	// InvFreq holds Dim/2 inverse frequencies computed in float64 from the
	// schedule's exact formula.
	InvFreq []float64
	// InvFreqF32 holds the Dim/2 float32 inverse frequencies exactly as
	// Hugging Face transformers computes them; Compat angles use these.
	// Nil means float32(InvFreq[j]).
	InvFreqF32 []float32
	// AttentionFactor multiplies cos and sin (YaRN mscale, LongRoPE);
	// 1 for most schedules.
	AttentionFactor float64
	// Layout is NeoX (half split) or GPTJ (interleaved).
	Layout Layout
}

// Pairs returns Dim/2.
func (r *Rotary) Pairs() int { return r.Dim / 2 }

// F32 returns the float32 inverse frequencies used by Compat angles.
func (r *Rotary) F32() []float32 {
	if r.InvFreqF32 != nil {
		return r.InvFreqF32
	}
	out := make([]float32, len(r.InvFreq))
	for i, f := range r.InvFreq {
		out[i] = float32(f)
	}
	return out
}

// Validate checks the schedule's internal consistency: HeadDim even and
// positive, Dim even with 0 < Dim ≤ HeadDim, Dim/2 finite non-negative
// inverse frequencies, a finite positive attention factor, a known layout.
func (r *Rotary) Validate() error {
	if r == nil {
		return Errorf(ErrConfig, "rotary", nil, "a schedule is required")
	}
	if r.HeadDim <= 0 || r.HeadDim%2 != 0 {
		return Errorf(ErrShape, "rotary.head_dim", r.HeadDim, "want a positive even number")
	}
	if r.Dim <= 0 || r.Dim%2 != 0 || r.Dim > r.HeadDim {
		return Errorf(ErrShape, "rotary.dim", r.Dim, "want an even number in [2, head_dim=%d]", r.HeadDim)
	}
	if len(r.InvFreq) != r.Dim/2 {
		return Errorf(ErrShape, "rotary.inv_freq", len(r.InvFreq), "want dim/2 = %d entries", r.Dim/2)
	}
	if r.InvFreqF32 != nil && len(r.InvFreqF32) != r.Dim/2 {
		return Errorf(ErrShape, "rotary.inv_freq_f32", len(r.InvFreqF32), "want dim/2 = %d entries", r.Dim/2)
	}
	for j, f := range r.InvFreq {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return Errorf(ErrRange, fmt.Sprintf("rotary.inv_freq[%d]", j), f, "want a finite non-negative number")
		}
	}
	for j, f := range r.InvFreqF32 {
		if f != f || math.IsInf(float64(f), 0) || f < 0 {
			return Errorf(ErrRange, fmt.Sprintf("rotary.inv_freq_f32[%d]", j), f, "want a finite non-negative number")
		}
	}
	if a := r.AttentionFactor; math.IsNaN(a) || math.IsInf(a, 0) || a <= 0 {
		return Errorf(ErrRange, "rotary.attention_factor", a, "want a finite positive number")
	}
	if r.Layout != NeoX && r.Layout != GPTJ {
		return Errorf(ErrConfig, "rotary.layout", r.Layout, "want neox or gptj")
	}
	return nil
}

// PairIndex returns the element offsets within a head of pair j's two
// members for layout l and rotary dimension dim.
func PairIndex(l Layout, dim, j int) (a, b int) {
	if l == GPTJ {
		return 2 * j, 2*j + 1
	}
	return j, j + dim/2
}
