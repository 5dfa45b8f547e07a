package ops

import "math"

// The helpers below reproduce, one IEEE float32 rounding at a time, the
// tensor arithmetic Hugging Face transformers performs when it builds
// inv_freq on the CPU. Python scalars taking part in a float32 tensor
// operation are first rounded to float32; "scalar / tensor" is evaluated
// as reciprocal(tensor) * scalar; float32 pow is emulated as the float64
// power of the float32 operands rounded to float32, which agrees with
// torch's vectorised powf to within 1 ulp. Every product and sum is wrapped
// in an explicit float32 conversion so the compiler cannot fuse it.

// hfExponent returns float32(2j) / float32(denom) rounded to float32: the
// entries of torch.arange(0, 2n, 2).float() / denom.
func hfExponent(j, denom int) float32 {
	return float32(float32(2*j) / float32(denom))
}

// f32Pow returns float32 base raised to float32 e, rounded to float32.
func f32Pow(base, e float32) float32 {
	return float32(math.Pow(float64(base), float64(e)))
}

// f32Recip returns scalar / x as torch evaluates it for a float32 tensor
// x: reciprocal(x) * float32(scalar), each rounded to float32.
func f32Recip(scalar float64, x float32) float32 {
	r := float32(1 / x)
	if scalar == 1 {
		return r
	}
	return float32(r * float32(scalar))
}

// hfPosFreqsF32 returns base ** (arange(0, 2n, 2).float() / denom) in
// float32, for n = len of the result.
func hfPosFreqsF32(base float64, denom, n int) []float32 {
	b := float32(base)
	out := make([]float32, n)
	for j := range out {
		out[j] = f32Pow(b, hfExponent(j, denom))
	}
	return out
}

// hfInvFreqF32 returns Hugging Face's default float32 table with n
// entries: 1.0 / (base ** (arange(0, 2n, 2).float() / denom)).
func hfInvFreqF32(base float64, denom, n int) []float32 {
	out := hfPosFreqsF32(base, denom, n)
	for j, pf := range out {
		out[j] = f32Recip(1, pf)
	}
	return out
}

// f32DivScalar divides every entry of v in place by float32(s), as
// "tensor /= s" does on the CPU.
func f32DivScalar(v []float32, s float64) {
	d := float32(s)
	for j := range v {
		v[j] = float32(v[j] / d)
	}
}
