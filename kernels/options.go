package kernels

import (
	"fmt"
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

// Thread-block sizes baked into the kernels (passed as -DROTOR_BLOCK).
const (
	RoPEBlock    = 128  // rope, rope_append
	AttnBlock    = 128  // attn_decode, attn_prefill (4 warps), qk_scores, page_scores
	MergeBlock   = 128  // attn_split_merge, attn_merge2, page_meta
	ReduceBlock  = 256  // crit_stats, crit_vote, sel_rank_counts
	TopKBlock    = 1024 // topk_radix: one block per row
	KMeansBlock  = 256  // the kmeans kernels
	AttnVec      = 8    // elements per lane access in attention and selection kernels
	MaxHeadDim   = 256  // largest head dimension of the attention and selection kernels
	PrefillWarps = 4    // warps per attn_prefill block, 16 query rows each
)

// Options specialise a kernel family at compile time; each field becomes a
// -D define. Fields a family does not use are ignored (and zeroed by
// Normalize, so they do not split the cache).
type Options struct {
	// DType is the storage type of q, k, v and o: F32, BF16 or F16.
	DType ops.DType
	// Layout (rope, rope_append) pairs elements NeoX or GPT-J style.
	Layout ops.Layout
	// Angles (rope, rope_append) selects Accurate or Compat angles.
	Angles ops.AngleMode
	// HeadDim (attention, scores, quest) is the head dimension of q and k:
	// a multiple of 8 up to MaxHeadDim (of 16 for attn_prefill).
	HeadDim int
	// VDim (attention) is the head dimension of v and o: a multiple of 8
	// up to MaxHeadDim.
	VDim int
	// KeyRoPE (attn_decode) compiles the in-kernel rotation of pre-RoPE
	// keys and the query.
	KeyRoPE bool
}

// Normalize returns o with the fields family f does not use set to zero.
func (o Options) Normalize(f Family) Options {
	s, err := f.spec()
	if err != nil {
		return o
	}
	var n Options
	if s.uses&useDType != 0 {
		n.DType = o.DType
	}
	if s.uses&useLayout != 0 {
		n.Layout = o.Layout
	}
	if s.uses&useAngles != 0 {
		n.Angles = o.Angles
	}
	if s.uses&useHeadDim != 0 {
		n.HeadDim = o.HeadDim
	}
	if s.uses&useVDim != 0 {
		n.VDim = o.VDim
	}
	if s.uses&useKeyRoPE != 0 {
		n.KeyRoPE = o.KeyRoPE
	}
	return n
}

// Validate checks that family f can be compiled with o.
func (o Options) Validate(f Family) error {
	s, err := f.spec()
	if err != nil {
		return err
	}
	if s.uses&useDType != 0 && !slices.Contains(s.dtypes, o.DType) {
		return ops.Errorf(ops.ErrDType, "options.dtype", o.DType, "family %s wants one of %v", f, s.dtypes)
	}
	if s.uses&useLayout != 0 && o.Layout != ops.NeoX && o.Layout != ops.GPTJ {
		return ops.Errorf(ops.ErrConfig, "options.layout", o.Layout, "want neox or gptj")
	}
	if s.uses&useAngles != 0 && o.Angles != ops.Accurate && o.Angles != ops.Compat {
		return ops.Errorf(ops.ErrConfig, "options.angles", o.Angles, "want accurate or compat")
	}
	if s.uses&useHeadDim != 0 {
		m := 8
		if f == AttnPrefill {
			m = 16
		}
		if o.HeadDim < m || o.HeadDim > MaxHeadDim || o.HeadDim%m != 0 {
			return ops.Errorf(ops.ErrUnsupported, "options.head_dim", o.HeadDim, "family %s wants a multiple of %d in [%d, %d]", f, m, m, MaxHeadDim)
		}
	}
	if s.uses&useVDim != 0 && (o.VDim < 8 || o.VDim > MaxHeadDim || o.VDim%8 != 0) {
		return ops.Errorf(ops.ErrUnsupported, "options.v_dim", o.VDim, "family %s wants a multiple of 8 in [8, %d]", f, MaxHeadDim)
	}
	return nil
}

// GroupTiles are the GQA group tiles the attention and selection modules
// instantiate: a block serves up to G query heads of one kv head.
var GroupTiles = []int{1, 2, 4, 8}

// vecChoices returns the RoPE pairs-per-thread widths for dt: runs of
// that many elements are at most 16 bytes.
func vecChoices(dt ops.DType) []int {
	if dt == ops.F32 {
		return []int{1, 2, 4}
	}
	return []int{1, 2, 4, 8}
}

// Defines returns the -D options that specialise family f (o normalised).
func (o Options) Defines(f Family) []string {
	s, _ := f.spec()
	o = o.Normalize(f)
	var d []string
	add := func(k string, v int) { d = append(d, fmt.Sprintf("-D%s=%d", k, v)) }
	if s.uses&useDType != 0 {
		add("ROTOR_DTYPE", int(o.DType))
	}
	if s.uses&useLayout != 0 {
		add("ROTOR_LAYOUT", int(o.Layout))
	}
	if s.uses&useAngles != 0 {
		add("ROTOR_ANGLES", int(o.Angles))
	}
	if s.uses&useHeadDim != 0 {
		add("ROTOR_HEAD_DIM", o.HeadDim)
	}
	if s.uses&useVDim != 0 {
		add("ROTOR_V_DIM", o.VDim)
	}
	if s.uses&useKeyRoPE != 0 {
		k := 0
		if o.KeyRoPE {
			k = 1
		}
		add("ROTOR_KEY_ROPE", k)
	}
	switch f {
	case RoPE, RoPEAppend:
		add("ROTOR_BLOCK", RoPEBlock)
	case AttnDecode, Scores, Quest:
		add("ROTOR_BLOCK", AttnBlock)
	case AttnPrefill:
		add("ROTOR_BLOCK", AttnBlock)
		add("ROTOR_TILE_N", PrefillTileN(o.DType, o.HeadDim, o.VDim))
	case AttnMerge:
		add("ROTOR_BLOCK", MergeBlock)
	case Criticality:
		add("ROTOR_BLOCK", ReduceBlock)
	case TopK:
		add("ROTOR_BLOCK", TopKBlock)
	case KMeans:
		add("ROTOR_BLOCK", KMeansBlock)
	}
	return d
}

// String names the variant, e.g. "rope dtype=bf16 layout=neox angles=accurate".
func (o Options) String(f Family) string {
	s, _ := f.spec()
	o = o.Normalize(f)
	out := string(f)
	if s.uses&useDType != 0 {
		out += " dtype=" + o.DType.String()
	}
	if s.uses&useLayout != 0 {
		out += " layout=" + o.Layout.String()
	}
	if s.uses&useAngles != 0 {
		out += " angles=" + o.Angles.String()
	}
	if s.uses&useHeadDim != 0 {
		out += fmt.Sprintf(" d=%d", o.HeadDim)
	}
	if s.uses&useVDim != 0 {
		out += fmt.Sprintf(" dv=%d", o.VDim)
	}
	if s.uses&useKeyRoPE != 0 && o.KeyRoPE {
		out += " keyrope"
	}
	return out
}
