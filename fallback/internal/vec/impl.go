package vec

// Impl names the implementation the exported functions run: "purego"
// for the plain-Go loops, "avx2" (AVX2, FMA and F16C) or "avx512"
// (AVX-512 F, BW and VL).
func Impl() string { return levelNames[level] }

// Features lists the CPU features the chosen implementation uses, e.g.
// [avx2 fma f16c]; none for purego.
func Features() []string { return append([]string(nil), levelFeatures[level]...) }

// Implementation levels, in increasing order of vector width.
const (
	levelGeneric = iota
	levelAVX2
	levelAVX512
	numLevels
)

var (
	levelNames    = [numLevels]string{"purego", "avx2", "avx512"}
	levelFeatures = [numLevels][]string{nil, {"avx2", "fma", "f16c"}, {"avx512f", "avx512bw", "avx512vl"}}
)

// capLevel lowers l to the level named by the ROTOR_SIMD environment
// value env ("purego", "avx2", "avx512"; anything else leaves l).
func capLevel(l int, env string) int {
	for c, name := range levelNames {
		if env == name {
			return min(l, c)
		}
	}
	return l
}
