package fallback

import "math"

// Constants of expf32: ln 2 split so that n·ln2Hi is exact for |n| < 2^10,
// and log2(e).
const (
	expLog2E = 1.44269504088896341
	expLn2Hi = 0.693145751953125
	expLn2Lo = 1.42860682030941723212e-6
	// expMin is the argument below which expf32 returns 0: e^expMin is
	// the smallest normal float32. Softmax weights that small vanish
	// against the weight 1 of the running maximum.
	expMin = -87.33654
	// expMax bounds the fast path so 2^n stays a finite float32.
	expMax = 88
)

// expf32 returns e^x in float32 to within about 2 ulps (relative error
// below 3e-7), the softmax exponential of the fallback kernels:
// x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial
// (truncation error below 6e-9), scaled by 2^n through the exponent
// bits. Arguments below expMin give 0 (no subnormals); NaN gives NaN; arguments above 88 take math.Exp.
func expf32(x float32) float32 {
	if !(x >= expMin) {
		if x != x {
			return x
		}
		return 0
	}
	if x > expMax {
		return float32(math.Exp(float64(x)))
	}
	n := float32(int32(x*expLog2E + 0.5*sign32(x)))
	r := x - n*expLn2Hi
	r -= n * expLn2Lo
	p := float32(1.0 / 5040)
	p = p*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sign32 returns 1 for x ≥ 0 and -1 otherwise.
func sign32(x float32) float32 {
	if x < 0 {
		return -1
	}
	return 1
}
