package cuda

import (
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// Scores computes per-head scaled q·k over candidate slots (qk_scores).
// Candidate indices are checked on the device first.
func (b *Backend) Scores(a *ops.ScoresArgs) error {
	if err := ops.CheckScores(a, Name); err != nil {
		return err
	}
	var cs []valueCheck
	if a.Candidates.Indices != nil {
		// The kernel scores an index outside [0, S) as -Inf.
		cs = []valueCheck{{arg: "candidates.indices", t: a.Candidates.Indices, rule: ruleIndices, slots: a.K.Shape[0], tolerated: true}}
	}
	return b.run(cs, func() ([]kernels.Launch, error) { return kernels.PlanScores(a, b.mem(), b.kdev) })
}

// Criticality is TokenSelect's soft vote (crit_stats, crit_vote).
func (b *Backend) Criticality(a *ops.CriticalityArgs) error {
	if err := ops.CheckCriticality(a, Name); err != nil {
		return err
	}
	return b.run(nil, func() ([]kernels.Launch, error) { return kernels.PlanCriticality(a, b.mem(), b.kdev) })
}

// TopK selects the K largest scores of each row, sorted ascending
// (topk_radix).
func (b *Backend) TopK(a *ops.TopKArgs) error {
	if err := ops.CheckTopK(a, Name); err != nil {
		return err
	}
	return b.run(nil, func() ([]kernels.Launch, error) { return kernels.PlanTopK(a, b.mem(), b.kdev) })
}

// PageMeta updates Quest's per-page key minima and maxima (page_meta).
func (b *Backend) PageMeta(a *ops.PageMetaArgs) error {
	if err := ops.CheckPageMeta(a, Name); err != nil {
		return err
	}
	return b.run(nil, func() ([]kernels.Launch, error) { return kernels.PlanPageMeta(a, b.mem(), b.kdev) })
}

// PageScores computes Quest's per-page upper bounds of q·k (page_scores).
func (b *Backend) PageScores(a *ops.PageScoresArgs) error {
	if err := ops.CheckPageScores(a, Name); err != nil {
		return err
	}
	return b.run(nil, func() ([]kernels.Launch, error) { return kernels.PlanPageScores(a, b.mem(), b.kdev) })
}
