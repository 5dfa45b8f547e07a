package ops

import "math"

// GiraffePowerParams configure the power scaling of "Giraffe: Adventures
// in Expanding Context Lengths in LLMs" (Pal et al., 2023). The field
// names follow the paper's released code (ScaledLlamaRotaryEmbedding:
// scale, scale_power).
type GiraffePowerParams struct {
	RoPEParams
	// ScalePower is the exponent k (the code's scale_power, its training
	// script's --scale-power; its README reports 0.5): finite and > 0.
	ScalePower float64
	// Scale, when above 1, first divides every frequency (linear
	// interpolation, the code's scale); 0 and 1 leave them. The released
	// code ignores a scale ≤ 1, so a value in (0, 1) is refused rather
	// than dropped.
	Scale float64
}

// GiraffePower returns Giraffe's power-scaled basis (type
// "giraffe-power"):
//
//	inv_freq[j] = (1 / base^(2j/d)) / scale * (1 - 2j/d)^k   for j = 0 .. d/2-1
//	attention_factor = 1
//
// Pair 0, the highest frequency, is kept; lower frequencies are shrunk
// more and more, the lowest by (2/d)^k, so the slow pairs are
// interpolated while the fast ones extrapolate. InvFreqF32 follows the
// released code's float32 tensor steps: Hugging Face's default table,
// divided by float32(scale) when scale > 1, then multiplied by
// (1 - float32(j)/float32(d/2)) ** float32(k), each operation rounded to
// float32 (float32 pow as in every schedule here: within 1 ulp of torch's).
func GiraffePower(p GiraffePowerParams) (*Rotary, error) {
	d, err := p.rotaryDim()
	if err != nil {
		return nil, err
	}
	if bad(p.ScalePower) || p.ScalePower <= 0 {
		return nil, Errorf(ErrRange, "scale_power", p.ScalePower, "want a finite number > 0")
	}
	inv, inv32, err := giraffeBasis(p.Base, d, p.Scale, p.ScalePower)
	if err != nil {
		return nil, err
	}
	return newRotary("giraffe-power", &p.RoPEParams, d, inv, inv32, 1)
}

// giraffeBasis returns the released code's basis before truncation, in
// float64 and float32: the default frequencies, divided by scale when it
// exceeds 1, multiplied by (1 - 2j/d)^power when power > 0.
func giraffeBasis(base float64, d int, scale, power float64) ([]float64, []float32, error) {
	if bad(scale) || scale < 0 || (scale > 0 && scale < 1) {
		return nil, nil, Errorf(ErrRange, "scale", scale, "want 0 (none) or a finite number ≥ 1")
	}
	if bad(power) || power < 0 {
		return nil, nil, Errorf(ErrRange, "scale_power", power, "want 0 (none) or a finite number > 0")
	}
	n := d / 2
	inv := make([]float64, n)
	inv32 := hfInvFreqF32(base, d, n)
	if scale > 1 {
		f32DivScalar(inv32, scale)
	}
	k32 := float32(power)
	for j := range inv {
		f := defaultInvFreq(base, j, d)
		if scale > 1 {
			f /= scale
		}
		if power > 0 {
			f *= math.Pow(1-float64(2*j)/float64(d), power)
			w := float32(1 - float32(float32(j)/float32(n)))
			inv32[j] = float32(inv32[j] * f32Pow(w, k32))
		}
		inv[j] = f
	}
	return inv, inv32, nil
}
