package vec

// Impl names the implementation the exported functions run: "purego"
// for the plain-Go loops, "avx2" (AVX2, FMA and F16C), "avx512"
// (AVX-512 F, BW and VL) or "avx512bf16" (avx512, with the rounding to
// bfloat16 of F32ToBF16 and the bfloat16 rotations done by AVX512-BF16's
// VCVTNE2PS2BF16, with the same bits).
func Impl() string { return levelNames[roundLevel] }

// Features lists the CPU features the chosen implementation uses, e.g.
// [avx2 fma f16c]; none for purego.
func Features() []string { return append([]string(nil), levelFeatures[roundLevel]...) }

// Implementation levels, in increasing order. levelAVX512BF16 is a level
// of the kernels that round float32 to bfloat16 only (F32ToBF16 and the
// bfloat16 rotations, which run at roundLevel); under it every other
// kernel runs levelAVX512 (level).
const (
	levelGeneric = iota
	levelAVX2
	levelAVX512
	levelAVX512BF16
	numLevels
)

var (
	levelNames    = [numLevels]string{"purego", "avx2", "avx512", "avx512bf16"}
	levelFeatures = [numLevels][]string{nil, {"avx2", "fma", "f16c"}, {"avx512f", "avx512bw", "avx512vl"},
		{"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512bf16"}}
)

// levels splits a chosen level into the level of every kernel and that
// of the kernels that round to bfloat16.
func levels(l int) (kernels, rounding int) { return min(l, levelAVX512), l }

// setLevel switches the implementation to level l (tests and Limit) and
// returns the previous one.
func setLevel(l int) int {
	old := roundLevel
	level, roundLevel = levels(l)
	return old
}

// capLevel lowers l to the level named by the ROTOR_SIMD environment
// value env ("purego", "avx2", "avx512", "avx512bf16"; anything else
// leaves l).
func capLevel(l int, env string) int {
	for c, name := range levelNames {
		if env == name {
			return min(l, c)
		}
	}
	return l
}
