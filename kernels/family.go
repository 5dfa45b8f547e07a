package kernels

import (
	"fmt"
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

// Family names one kernel source file (one module once compiled) and the
// extern "C" kernels it defines.
type Family string

// The kernel families.
const (
	// RoPE (rope.cu): kernels "rope_vV" (V = 1, 2, 4 and, for 16-bit
	// dtypes, 8 pairs per thread), fused in-place rotation of q and k.
	RoPE Family = "rope"
	// RoPEAppend (rope_append.cu): kernels "rope_append_vV", rotation of q
	// in place plus k and v written into KV-cache slots.
	RoPEAppend Family = "rope_append"
	// AttnDecode (attn_decode.cu): kernels "attn_decode_gG" (G = 1, 2, 4,
	// 8 query heads of a GQA group per block; split-KV gather attention
	// for any number of query tokens) and "sel_rank_counts" (per-split
	// valid-entry counts for in-kernel key RoPE by rank).
	AttnDecode Family = "attn_decode"
	// AttnPrefill (attn_prefill.cu): kernel "attn_prefill", tensor-core
	// (mma.sync m16n8k16) attention over tiles of selected keys.
	AttnPrefill Family = "attn_prefill"
	// AttnMerge (attn_merge.cu): kernels "attn_split_merge" (combines the
	// splits of attn_decode and applies sinks) and "attn_merge2" (the
	// Merge op).
	AttnMerge Family = "attn_merge"
	// Scores (scores.cu): kernels "qk_scores_gG", per-head scaled q·k
	// over candidate slots.
	Scores Family = "scores"
	// Criticality (criticality.cu): kernels "crit_stats" and "crit_vote",
	// TokenSelect's per-head softmax summed over heads.
	Criticality Family = "criticality"
	// TopK (topk.cu): kernel "topk_radix", per-row radix select with
	// ascending output.
	TopK Family = "topk"
	// Quest (quest.cu): kernels "page_meta" and "page_scores_gG".
	Quest Family = "quest"
	// KMeans (kmeans.cu): kernels "kmeans_init", "kmeans_prep",
	// "kmeans_screen", "kmeans_resolve" and "kmeans_sums", one Lloyd step
	// of k-means per kv head.
	KMeans Family = "kmeans"
)

// Families lists every kernel family.
func Families() []Family {
	return []Family{RoPE, RoPEAppend, AttnDecode, AttnPrefill, AttnMerge, Scores, Criticality, TopK, Quest, KMeans}
}

// option bits: which Options fields a family is specialised on.
const (
	useDType = 1 << iota
	useLayout
	useAngles
	useHeadDim
	useVDim
	useKeyRoPE
)

type familySpec struct {
	file    string
	kernels func(o Options) []string
	uses    int
	dtypes  []ops.DType
	noFMAD  bool // compile with --fmad=false (bit-exact RoPE)
	hot     bool // spills fail the register check
}

var allFloat = []ops.DType{ops.F32, ops.BF16, ops.F16}

var specs = map[Family]familySpec{
	RoPE:        {file: "rope.cu", kernels: vecKernels("rope_v"), uses: useDType | useLayout | useAngles, dtypes: allFloat, noFMAD: true, hot: true},
	RoPEAppend:  {file: "rope_append.cu", kernels: vecKernels("rope_append_v"), uses: useDType | useLayout | useAngles, dtypes: allFloat, noFMAD: true, hot: true},
	AttnDecode:  {file: "attn_decode.cu", kernels: groupKernels([]string{"sel_rank_counts"}, "attn_decode_g"), uses: useDType | useHeadDim | useVDim | useKeyRoPE, dtypes: allFloat, hot: true},
	AttnPrefill: {file: "attn_prefill.cu", kernels: fixed("attn_prefill"), uses: useDType | useHeadDim | useVDim, dtypes: []ops.DType{ops.BF16, ops.F16}, hot: true},
	AttnMerge:   {file: "attn_merge.cu", kernels: fixed("attn_split_merge", "attn_merge2"), uses: useDType, dtypes: allFloat},
	Scores:      {file: "scores.cu", kernels: groupKernels(nil, "qk_scores_g"), uses: useDType | useHeadDim, dtypes: allFloat, hot: true},
	Criticality: {file: "criticality.cu", kernels: fixed("crit_stats", "crit_vote")},
	TopK:        {file: "topk.cu", kernels: fixed("topk_radix")},
	Quest:       {file: "quest.cu", kernels: groupKernels([]string{"page_meta"}, "page_scores_g"), uses: useDType | useHeadDim, dtypes: allFloat, hot: true},
	KMeans:      {file: "kmeans.cu", kernels: fixed("kmeans_init", "kmeans_prep", "kmeans_screen", "kmeans_resolve", "kmeans_sums"), uses: useDType, dtypes: allFloat, hot: true},
}

func fixed(names ...string) func(Options) []string {
	return func(Options) []string { return slices.Clone(names) }
}

func vecKernels(prefix string) func(Options) []string {
	return func(o Options) []string {
		var out []string
		for _, v := range vecChoices(o.DType) {
			out = append(out, fmt.Sprintf("%s%d", prefix, v))
		}
		return out
	}
}

func groupKernels(names []string, prefix string) func(Options) []string {
	return func(Options) []string {
		out := slices.Clone(names)
		for _, g := range GroupTiles {
			out = append(out, fmt.Sprintf("%s%d", prefix, g))
		}
		return out
	}
}

func (f Family) spec() (familySpec, error) {
	s, ok := specs[f]
	if !ok {
		return familySpec{}, ops.Errorf(ops.ErrConfig, "family", string(f), "want one of %v", Families())
	}
	return s, nil
}

// Kernels returns the names of the extern "C" kernels a family's module
// defines when compiled with o.
func (f Family) Kernels(o Options) []string {
	s, err := f.spec()
	if err != nil {
		return nil
	}
	return s.kernels(o.Normalize(f))
}

// Hot reports whether the family's kernels are on a hot path, where a
// local-memory spill fails the register check.
func (f Family) Hot() bool {
	s, _ := f.spec()
	return s.hot
}
