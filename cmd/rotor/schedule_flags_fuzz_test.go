package main

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// FuzzParseScaling feeds arbitrary --scaling specs, head dims and
// sequence lengths to the parser and to explicitSchedule. The property:
// no panic; a failure is an *ops.ArgError; a parsed spec written back
// (TYPE:key=value,… in key order) parses to the same type and pairs; a
// schedule passes Validate and is built again identically from that
// rewritten spec.
func FuzzParseScaling(f *testing.F) {
	f.Add("yarn:factor=4,original_max_position_embeddings=32768", uint8(64), 0)
	f.Add("longrope:short_factor=1/2,long_factor=3/4,original_max_position_embeddings=4096", uint8(4), 8192)
	f.Fuzz(func(t *testing.T, spec string, hd uint8, seqLen int) {
		kv, err := parseScaling(spec)
		if err != nil {
			var ae *ops.ArgError
			if !errors.As(err, &ae) || !errors.Is(err, ops.ErrConfig) {
				t.Fatalf("parse error %v is not an ErrConfig *ops.ArgError", err)
			}
			return
		}
		again, err := parseScaling(rewriteScaling(kv))
		if err != nil || again.typ != kv.typ || len(again.vals) != len(kv.vals) {
			t.Fatalf("spec %q rewritten as %q: %+v, %v", spec, rewriteScaling(kv), again, err)
		}
		for k, v := range kv.vals {
			if again.vals[k] != v {
				t.Fatalf("spec %q rewritten as %q: %s=%q, want %q", spec, rewriteScaling(kv), k, again.vals[k], v)
			}
		}
		p := ops.RoPEParams{HeadDim: 2 * (int(hd) + 1), Base: ops.DefaultTheta}
		r, err := explicitSchedule(p, spec, seqLen)
		if err != nil {
			var ae *ops.ArgError
			if !errors.As(err, &ae) || errors.Unwrap(err) == nil {
				t.Fatalf("schedule error %v is not an *ops.ArgError", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("spec %q: schedule %+v fails Validate: %v", spec, r, err)
		}
		r2, err := explicitSchedule(p, rewriteScaling(kv), seqLen)
		if err != nil || !slices.Equal(r.InvFreq, r2.InvFreq) || r.AttentionFactor != r2.AttentionFactor {
			t.Fatalf("spec %q rewritten as %q: %+v, %v", spec, rewriteScaling(kv), r2, err)
		}
	})
}

// rewriteScaling formats parsed --scaling pairs back into a spec.
func rewriteScaling(kv *scalingArgs) string {
	keys := make([]string, 0, len(kv.vals))
	for k := range kv.vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, k+"="+kv.vals[k])
	}
	if len(pairs) == 0 {
		return kv.typ
	}
	return kv.typ + ":" + strings.Join(pairs, ",")
}
