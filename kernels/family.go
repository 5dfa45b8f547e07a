package kernels

import (
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

// Family names one kernel source file (one module once compiled) and the
// extern "C" kernels it defines.
type Family string

// The kernel families.
const (
	// RoPE (rope.cu): kernel "rope", fused in-place rotation of q and k.
	RoPE Family = "rope"
	// RoPEAppend (rope_append.cu): kernel "rope_append", rotation of q in
	// place plus k and v written into KV-cache slots.
	RoPEAppend Family = "rope_append"
	// AttnDecode (attn_decode.cu): kernels "attn_decode" (split-KV gather
	// attention for any number of query tokens) and "sel_rank_counts"
	// (per-split valid-entry counts for in-kernel key RoPE by rank).
	AttnDecode Family = "attn_decode"
	// AttnPrefill (attn_prefill.cu): kernel "attn_prefill", tensor-core
	// (mma.sync m16n8k16) attention over tiles of selected keys.
	AttnPrefill Family = "attn_prefill"
	// AttnMerge (attn_merge.cu): kernels "attn_split_merge" (combines the
	// splits of attn_decode and applies sinks) and "attn_merge2" (the
	// Merge op).
	AttnMerge Family = "attn_merge"
	// Scores (scores.cu): kernel "qk_scores", per-head scaled q·k over
	// candidate slots.
	Scores Family = "scores"
	// Criticality (criticality.cu): kernels "crit_stats" and "crit_vote",
	// TokenSelect's per-head softmax summed over heads.
	Criticality Family = "criticality"
	// TopK (topk.cu): kernel "topk_radix", per-row radix select with
	// ascending output.
	TopK Family = "topk"
	// Quest (quest.cu): kernels "page_meta" and "page_scores".
	Quest Family = "quest"
)

// Families lists every kernel family.
func Families() []Family {
	return []Family{RoPE, RoPEAppend, AttnDecode, AttnPrefill, AttnMerge, Scores, Criticality, TopK, Quest}
}

// option bits: which Options fields a family is specialised on.
const (
	useDType = 1 << iota
	useLayout
	useAngles
	useVec
	useHeadDim
	useGroup
	useKeyRoPE
)

type familySpec struct {
	file    string
	kernels []string
	uses    int
	dtypes  []ops.DType
	noFMAD  bool // compile with --fmad=false (bit-exact RoPE)
	hot     bool // spills fail the register check
}

var allFloat = []ops.DType{ops.F32, ops.BF16, ops.F16}

var specs = map[Family]familySpec{
	RoPE:        {file: "rope.cu", kernels: []string{"rope"}, uses: useDType | useLayout | useAngles | useVec, dtypes: allFloat, noFMAD: true, hot: true},
	RoPEAppend:  {file: "rope_append.cu", kernels: []string{"rope_append"}, uses: useDType | useLayout | useAngles | useVec, dtypes: allFloat, noFMAD: true, hot: true},
	AttnDecode:  {file: "attn_decode.cu", kernels: []string{"attn_decode", "sel_rank_counts"}, uses: useDType | useHeadDim | useGroup | useKeyRoPE, dtypes: allFloat, hot: true},
	AttnPrefill: {file: "attn_prefill.cu", kernels: []string{"attn_prefill"}, uses: useDType | useHeadDim, dtypes: []ops.DType{ops.BF16, ops.F16}, hot: true},
	AttnMerge:   {file: "attn_merge.cu", kernels: []string{"attn_split_merge", "attn_merge2"}, uses: useDType, dtypes: allFloat},
	Scores:      {file: "scores.cu", kernels: []string{"qk_scores"}, uses: useDType | useHeadDim | useGroup, dtypes: allFloat, hot: true},
	Criticality: {file: "criticality.cu", kernels: []string{"crit_stats", "crit_vote"}},
	TopK:        {file: "topk.cu", kernels: []string{"topk_radix"}},
	Quest:       {file: "quest.cu", kernels: []string{"page_meta", "page_scores"}, uses: useDType | useHeadDim | useGroup, dtypes: allFloat, hot: true},
}

func (f Family) spec() (familySpec, error) {
	s, ok := specs[f]
	if !ok {
		return familySpec{}, ops.Errorf(ops.ErrConfig, "family", string(f), "want one of %v", Families())
	}
	return s, nil
}

// Kernels returns the names of the extern "C" kernels a family defines.
func (f Family) Kernels() []string {
	s, err := f.spec()
	if err != nil {
		return nil
	}
	return slices.Clone(s.kernels)
}

// Hot reports whether the family's kernels are on a hot path, where a
// local-memory spill fails the register check.
func (f Family) Hot() bool {
	s, _ := f.spec()
	return s.hot
}
