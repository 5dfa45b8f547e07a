package ops

import "math"

// MaxHeadDim is the largest head dimension a schedule accepts.
const MaxHeadDim = 4096

// DefaultTheta is the RoPE base used when a Hugging Face config names
// none (transformers' default_theta).
const DefaultTheta = 10000.0

// RoPEParams are the parameters every schedule shares.
//
// The rotated dimension d is RotaryDim, or HeadDim when RotaryDim is 0;
// it must be even and at most HeadDim. Elements d..HeadDim-1 of each head
// pass through unrotated (partial rotary).
type RoPEParams struct {
	// HeadDim is the full head dimension: even, in [2, MaxHeadDim].
	HeadDim int
	// RotaryDim is the number of rotated dimensions; 0 means HeadDim.
	// PartialRotaryDim derives it from a partial_rotary_factor.
	RotaryDim int
	// Base is θ (rope_theta): finite and > 1.
	Base float64
	// Layout is NeoX (the zero value, Hugging Face's rotate_half) or GPTJ.
	Layout Layout
}

// rotaryDim validates p and returns the rotated dimension d.
func (p *RoPEParams) rotaryDim() (int, error) {
	if p.HeadDim <= 0 || p.HeadDim%2 != 0 || p.HeadDim > MaxHeadDim {
		return 0, Errorf(ErrConfig, "head_dim", p.HeadDim, "want an even number in [2, %d]", MaxHeadDim)
	}
	d := p.RotaryDim
	if d == 0 {
		d = p.HeadDim
	}
	if d < 2 || d%2 != 0 || d > p.HeadDim {
		return 0, Errorf(ErrConfig, "rotary_dim", p.RotaryDim, "want an even number in [2, head_dim=%d]", p.HeadDim)
	}
	if err := checkBase(p.Base); err != nil {
		return 0, err
	}
	if p.Layout != NeoX && p.Layout != GPTJ {
		return 0, Errorf(ErrConfig, "layout", p.Layout, "want neox or gptj")
	}
	return d, nil
}

// PartialRotaryDim returns Hugging Face's rotary dimension for a
// partial_rotary_factor: int(headDim * factor), truncated as Python's int()
// truncates the float64 product. The result must be even and positive.
func PartialRotaryDim(headDim int, factor float64) (int, error) {
	if bad(factor) || factor <= 0 || factor > 1 {
		return 0, Errorf(ErrRange, "partial_rotary_factor", factor, "want a number in (0, 1]")
	}
	d := int(float64(headDim) * factor)
	if d < 2 || d%2 != 0 {
		return 0, Errorf(ErrConfig, "partial_rotary_factor", factor,
			"int(head_dim=%d * factor) = %d: want an even number ≥ 2", headDim, d)
	}
	return d, nil
}

func checkBase(b float64) error {
	if bad(b) || b <= 1 || math.IsInf(float64(float32(b)), 0) {
		return Errorf(ErrRange, "rope_theta", b, "want a finite float32 number > 1")
	}
	return nil
}

// checkFactor rejects a NaN, infinite or non-positive scaling factor.
func checkFactor(arg string, f float64) error {
	if bad(f) || f <= 0 {
		return Errorf(ErrRange, arg, f, "want a finite number > 0")
	}
	return nil
}

// checkLength rejects a non-positive context length.
func checkLength(arg string, n int) error {
	if n <= 0 {
		return Errorf(ErrRange, arg, n, "want a positive length")
	}
	return nil
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// DefaultRoPE returns the unscaled NeoX schedule over the whole head; see
// Default.
func DefaultRoPE(headDim int, base float64) (*Rotary, error) {
	return Default(RoPEParams{HeadDim: headDim, Base: base})
}

// Default returns the original RoPE schedule (type "default"):
//
//	inv_freq[j] = 1 / base^(2j/d)   for j = 0 .. d/2-1
//	attention_factor = 1
//
// InvFreqF32 is Hugging Face's float32 table:
// 1 / float32(base)^(float32(2j) / float32(d)), every operation rounded
// to float32.
func Default(p RoPEParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	inv := make([]float64, d/2)
	for j := range inv {
		inv[j] = defaultInvFreq(p.Base, j, d)
	}
	return newRotary("default", &p, d, inv, hfInvFreqF32(p.Base, d, d/2), 1)
}

// defaultInvFreq is 1 / base^(2j/d) in float64.
func defaultInvFreq(base float64, j, d int) float64 {
	return 1 / math.Pow(base, float64(2*j)/float64(d))
}

// newRotary assembles a constructor's schedule and validates it: factors
// that pass their own checks can still drive a frequency or its float32
// rounding out of range (a linear factor of 1e-300 gives inv_freq 1e300,
// +Inf in float32), which is an ErrRange, never a schedule of Inf or NaN.
func newRotary(typ string, p *RoPEParams, d int, inv []float64, inv32 []float32, attn float64) (*Rotary, error) {
	r := &Rotary{
		Type:            typ,
		HeadDim:         p.HeadDim,
		Dim:             d,
		InvFreq:         inv,
		InvFreqF32:      inv32,
		AttentionFactor: attn,
		Layout:          p.Layout,
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}
