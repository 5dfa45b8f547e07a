package vec

// Dot returns Σ a[i]*b[i] over len(a) elements (len(b) ≥ len(a)),
// accumulated in float32. The summation order is unspecified.
func Dot(a, b []float32) float32 { return dotGeneric(a, b[:len(a)]) }

// Axpy sets y[i] += alpha*x[i] for i < len(y).
func Axpy(alpha float32, x, y []float32) { axpyGeneric(alpha, x[:len(y)], y) }

// Scale sets y[i] *= alpha.
func Scale(alpha float32, y []float32) { scaleGeneric(alpha, y) }

// BF16ToF32 widens bfloat16 bits to float32 (exact).
func BF16ToF32(dst []float32, src []uint16) { bf16ToF32Generic(dst[:len(src)], src) }

// F32ToBF16 rounds float32 to bfloat16 bits, ties to even, NaN kept quiet
// (identical to precision.BF16FromFloat32).
func F32ToBF16(dst []uint16, src []float32) { f32ToBF16Generic(dst[:len(src)], src) }

// F16ToF32 widens IEEE binary16 bits to float32 (exact).
func F16ToF32(dst []float32, src []uint16) { f16ToF32Generic(dst[:len(src)], src) }

// F32ToF16 rounds float32 to IEEE binary16 bits, ties to even.
func F32ToF16(dst []uint16, src []float32) { f32ToF16Generic(dst[:len(src)], src) }

// Rotate rotates each pair (x[i], y[i]) by cos c[i] and sin s[i]:
// x' = x·c − y·s, y' = y·c + x·s, every product and sum rounded to float32
// separately (no FMA), bit-identical to precision.RotatePair.
func Rotate(x, y, c, s []float32) { rotateGeneric(x, y[:len(x)], c[:len(x)], s[:len(x)]) }
