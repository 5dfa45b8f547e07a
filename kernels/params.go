package kernels

import (
	"slices"
	"strings"
)

// rep returns n copies of k.
func rep(k ArgKind, n int) []ArgKind { return slices.Repeat([]ArgKind{k}, n) }

func seq(parts ...[]ArgKind) []ArgKind { return slices.Concat(parts...) }

// kernelParams lists every kernel's parameter types in order, by base
// name (the _vV and _gG instances share their base's list).
var kernelParams = map[string][]ArgKind{
	"rope":        seq(rep(ArgPtr, 4), rep(ArgF64, 1), rep(ArgI64, 3), rep(ArgI32, 5)),
	"rope_append": seq(rep(ArgPtr, 8), rep(ArgF64, 1), rep(ArgI64, 7), rep(ArgI32, 8)),
	"attn_decode": seq(rep(ArgPtr, 12), rep(ArgI64, 10), rep(ArgI32, 10), rep(ArgF32, 2), rep(ArgF64, 1), rep(ArgI32, 6),
		rep(ArgPtr, 2), rep(ArgI64, 2), rep(ArgI32, 3)),
	"sel_rank_counts":  seq(rep(ArgPtr, 2), rep(ArgI64, 2), rep(ArgI32, 5)),
	"attn_prefill":     seq(rep(ArgPtr, 9), rep(ArgI64, 9), rep(ArgI32, 7), rep(ArgF32, 2), rep(ArgPtr, 2), rep(ArgI64, 2), rep(ArgI32, 1)),
	"attn_split_merge": seq(rep(ArgPtr, 4), rep(ArgI64, 3), rep(ArgI32, 4)),
	"attn_merge2":      seq(rep(ArgPtr, 6), rep(ArgI64, 6), rep(ArgI32, 3)),
	"qk_scores":        seq(rep(ArgPtr, 4), rep(ArgI64, 4), rep(ArgI32, 6), rep(ArgF32, 1)),
	"crit_stats":       seq(rep(ArgPtr, 2), rep(ArgI64, 2), rep(ArgI32, 3)),
	"crit_vote":        seq(rep(ArgPtr, 3), rep(ArgI64, 3), rep(ArgI32, 3)),
	"topk_radix":       seq(rep(ArgPtr, 3), rep(ArgI64, 3), rep(ArgI32, 2)),
	"page_meta":        seq(rep(ArgPtr, 3), rep(ArgI64, 3), rep(ArgI32, 3)),
	"page_scores":      seq(rep(ArgPtr, 4), rep(ArgI64, 4), rep(ArgI32, 4), rep(ArgF32, 1)),
}

// BaseKernel strips an instance suffix: "rope_v8" → "rope",
// "attn_decode_g4" → "attn_decode".
func BaseKernel(name string) string {
	for _, suf := range []string{"_v", "_g"} {
		if i := strings.LastIndex(name, suf); i > 0 {
			rest := name[i+2:]
			if rest != "" && strings.Trim(rest, "0123456789") == "" {
				return name[:i]
			}
		}
	}
	return name
}

// ParamKinds returns the parameter types of kernel name in order, or nil
// for an unknown kernel.
func ParamKinds(name string) []ArgKind { return slices.Clone(kernelParams[BaseKernel(name)]) }
