package opstest

import (
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// ropeSchedule is a named Rotary for the conformance cases.
type ropeSchedule struct {
	name string
	rot  *ops.Rotary
}

// must returns r or panics: the schedules below are fixed and valid.
func must(r *ops.Rotary, err error) *ops.Rotary {
	if err != nil {
		panic("opstest: building a conformance schedule: " + err.Error())
	}
	return r
}

// exactInvFreq returns base^(-2j/dim) in float64, j < dim/2.
func exactInvFreq(base float64, dim int) []float64 {
	out := make([]float64, dim/2)
	for j := range out {
		out[j] = math.Pow(base, -float64(2*j)/float64(dim))
	}
	return out
}

// defaultRotary is the unscaled schedule rotating the first dim
// elements of each head of headDim.
func defaultRotary(headDim, dim int, base float64, l ops.Layout) *ops.Rotary {
	return must(ops.Default(ops.RoPEParams{HeadDim: headDim, RotaryDim: dim, Base: base, Layout: l}))
}

// ropeSchedules returns the schedules every RoPE case runs under, in
// layout l, shaped like published models: head dims 128, 96 and 64, a
// partial rotary, attention factors 1 and ≠ 1.
func ropeSchedules(l ops.Layout) []ropeSchedule {
	p := func(headDim int, base float64) ops.RoPEParams {
		return ops.RoPEParams{HeadDim: headDim, Base: base, Layout: l}
	}
	short, long := make([]float64, 48), make([]float64, 48)
	for j := range long {
		short[j] = 1 + float64(j)/96
		long[j] = 1 + float64(j*j)/48
	}
	return []ropeSchedule{
		{"default-1e4-d128", defaultRotary(128, 128, 1e4, l)},
		{"llama3-5e5-d128", must(ops.Llama3(ops.Llama3Params{RoPEParams: p(128, 5e5),
			Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192}))},
		{"yarn-1e6-d128", must(ops.YaRN(ops.YaRNParams{RoPEParams: p(128, 1e6),
			Factor: 4, OriginalMaxPositionEmbeddings: 32768}))},
		{"longrope-1e4-d96", must(ops.LongRoPE(ops.LongRoPEParams{RoPEParams: p(96, 1e4),
			ShortFactor: short, LongFactor: long, OriginalMaxPositionEmbeddings: 4096,
			MaxPositionEmbeddings: 131072, SeqLen: 131072}))},
		{"yarn-1.5e5-d64", must(ops.YaRN(ops.YaRNParams{RoPEParams: p(64, 150000),
			Factor: 32, OriginalMaxPositionEmbeddings: 4096, NoTruncate: true}))},
		{"partial-d128-r64", defaultRotary(128, 64, 1e4, l)},
	}
}

// accuracyPositions returns the positions the accuracy cases rotate to:
// 0..3, every power of two 2^2..2^20 and its neighbours, random ones up to
// 2^20, 2^24 and its neighbours, and large ones up to 2^31-1. Sorted,
// without duplicates.
func accuracyPositions(seed uint64) []int32 {
	set := map[int32]bool{0: true, 1: true, 2: true, 3: true}
	for k := 2; k <= 20; k++ {
		p := int32(1) << k
		set[p-1], set[p], set[p+1] = true, true, true
	}
	r := newRand(seed)
	for i := 0; i < size(24, 6); i++ {
		set[r.Int32N(1<<20+1)] = true
	}
	set[1<<24-1], set[1<<24], set[1<<24+1] = true, true, true
	set[math.MaxInt32], set[math.MaxInt32-1], set[1<<30+12345] = true, true, true
	for i := 0; i < size(4, 1); i++ {
		set[1<<24+r.Int32N(math.MaxInt32-1<<24)] = true
	}
	out := make([]int32, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	if testing.Short() {
		return thin(out, 2)
	}
	return out
}

// thin keeps every k-th position plus 0, 2^20 and 2^24+1.
func thin(ps []int32, k int) []int32 {
	var out []int32
	for i, p := range ps {
		if i%k == 0 || p == 0 || p == 1<<20 || p == 1<<24+1 || p == math.MaxInt32 {
			out = append(out, p)
		}
	}
	return out
}

func caseName(parts ...any) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += "/"
		}
		s += fmt.Sprint(p)
	}
	return s
}
