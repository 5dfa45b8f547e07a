package ops

import "math"

// GiraffeTruncateParams configure the truncated basis of "Giraffe:
// Adventures in Expanding Context Lengths in LLMs" (Pal et al., 2023).
// Give either Truncate, as the paper's released code does, or the paper's
// cutoffs A < B and value Rho directly.
type GiraffeTruncateParams struct {
	RoPEParams
	// Truncate is the context length L in tokens at which wavelengths are
	// truncated (the code's truncate, the training script's
	// --truncate-pos). It sets the code's values b = 2π/L (a full turn
	// within L tokens), a = b/8 and ρ = b/16.
	Truncate int
	// A, B and Rho are the paper's a, b and ρ in radians per token, used
	// when Truncate is 0: finite, 0 ≤ A < B, Rho ≥ 0.
	A, B, Rho float64
	// Scale and ScalePower, when set, shape the basis before it is
	// truncated, as in GiraffePower (the released code applies scale,
	// then power, then truncation).
	Scale, ScalePower float64
}

// GiraffeTruncate returns Giraffe's truncated basis (type
// "giraffe-truncate"). With f[j] the default frequency 1/base^(2j/d)
// (after Scale and ScalePower when given):
//
//	f[j] ≥ b:       inv_freq[j] = f[j]    fast pairs, a full turn within 2π/b tokens, kept
//	a ≤ f[j] < b:   inv_freq[j] = ρ       slower pairs, all set to one small frequency
//	f[j] < a:       inv_freq[j] = 0       the slowest pairs, not rotated at all
//	attention_factor = 1
//
// "Above" is the high-frequency end, the first pairs. The boundaries are
// the released code's (truncate_frequency: f < b becomes ρ, then f < a
// becomes 0). InvFreqF32 applies the same tests to the float32 table of
// GiraffePower's steps against float32(b) and float32(a) and writes
// float32(ρ), as torch compares a float32 tensor with Python floats; a
// frequency within a rounding of a cutoff can therefore fall on different
// sides in InvFreq and InvFreqF32.
func GiraffeTruncate(p GiraffeTruncateParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	a, b, rho, err := p.cutoffs()
	if err != nil {
		return nil, err
	}
	inv, inv32, err := giraffeBasis(p.Base, d, p.Scale, p.ScalePower)
	if err != nil {
		return nil, err
	}
	for j, f := range inv {
		inv[j] = truncateFreq(f, a, b, rho)
	}
	a32, b32, rho32 := float32(a), float32(b), float32(rho)
	for j, f := range inv32 {
		inv32[j] = truncateFreq(f, a32, b32, rho32)
	}
	return newRotary("giraffe-truncate", &p.RoPEParams, d, inv, inv32, 1)
}

// cutoffs returns a, b and ρ from Truncate or the explicit fields.
func (p *GiraffeTruncateParams) cutoffs() (a, b, rho float64, err error) {
	explicit := p.A != 0 || p.B != 0 || p.Rho != 0
	switch {
	case p.Truncate < 0:
		return 0, 0, 0, Errorf(ErrRange, "truncate", p.Truncate, "want a positive context length")
	case p.Truncate > 0 && explicit:
		return 0, 0, 0, Errorf(ErrConfig, "truncate", p.Truncate, "give truncate or a, b and rho, not both")
	case p.Truncate > 0:
		b = 2 * math.Pi / float64(p.Truncate)
		return b / 8, b, b / 16, nil
	}
	if bad(p.B) || p.B <= 0 {
		return 0, 0, 0, Errorf(ErrRange, "b", p.B, "want a finite cutoff > 0 (or truncate)")
	}
	if bad(p.A) || p.A < 0 || p.A >= p.B {
		return 0, 0, 0, Errorf(ErrRange, "a", p.A, "want a finite cutoff in [0, b=%g)", p.B)
	}
	if bad(p.Rho) || p.Rho < 0 {
		return 0, 0, 0, Errorf(ErrRange, "rho", p.Rho, "want a finite number ≥ 0")
	}
	return p.A, p.B, p.Rho, nil
}

// truncateFreq is the truncation rule for one frequency.
func truncateFreq[F float32 | float64](f, a, b, rho F) F {
	switch {
	case f < a:
		return 0
	case f < b:
		return rho
	}
	return f
}
