package fallback

import "github.com/rotorkernels/rotor/fallback/internal/vec"

// expf32 returns e^x in float32 to within about 2 ulps: vec.Exp, the
// softmax exponential of the fallback kernels (vec.ExpShift is its
// vector form). Arguments below -87.33654 give 0 (no subnormals); NaN
// gives NaN; arguments above 88 take math.Exp.
func expf32(x float32) float32 { return vec.Exp(x) }

// The range of expf32's polynomial path (vec.Exp): arguments below expMin
// give 0, above expMax math.Exp.
const (
	expMin = -87.33654
	expMax = 88
)
