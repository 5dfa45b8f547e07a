package cuda

import (
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// Attention computes exact softmax attention over selected KV-cache slots
// (attn_decode, split-KV with a merge pass, or the tensor-core
// attn_prefill; see kernels.PlanAttention). Slot indices, sink logits
// and, for in-op RoPE at original or capped key positions, positions are
// checked on the device, in the fallback's order, before anything is
// written.
func (b *Backend) Attention(a *ops.AttentionArgs) error {
	if err := ops.CheckAttention(a, Name); err != nil {
		return err
	}
	var cs [4]valueCheck
	n := 0
	if a.Sel.Indices != nil {
		// The kernels treat an index outside [0, S) as padding.
		cs[n] = valueCheck{arg: "sel.indices", t: a.Sel.Indices, rule: ruleIndices, slots: a.K.Shape[0], tolerated: true}
		n++
	}
	if a.Sinks != nil {
		cs[n] = valueCheck{arg: "sinks", t: a.Sinks, rule: ruleSinks, tolerated: true}
		n++
	}
	if a.RoPE != nil && a.RoPE.KeyPos != ops.KeyPosRank {
		cs[n] = valueCheck{arg: "k_pos", t: a.KPos, rule: rulePositions, tolerated: true}
		n++
		if a.RoPE.QueryPos <= 0 {
			cs[n] = valueCheck{arg: "q_pos", t: a.QPos, rule: rulePositions, tolerated: true}
			n++
		}
	}
	return b.run(cs[:n], func() ([]kernels.Launch, error) { return kernels.PlanAttention(a, b.mem(), b.kdev) })
}

// Merge combines two partial attention results (attn_merge2). LSE values
// are checked on the device first.
func (b *Backend) Merge(a *ops.MergeArgs) error {
	if err := ops.CheckMerge(a, Name); err != nil {
		return err
	}
	cs := [...]valueCheck{
		{arg: "lse1", t: a.LSE1, rule: ruleLSE, tolerated: true},
		{arg: "lse2", t: a.LSE2, rule: ruleLSE, tolerated: true},
	}
	return b.run(cs[:], func() ([]kernels.Launch, error) { return kernels.PlanMerge(a, b.mem(), b.kdev) })
}
