package cuda

import "github.com/rotorkernels/rotor/ops"

// Ops whose kernels the kernels package does not plan yet: they validate
// their arguments like every op, then return ErrUnsupported, so that an
// engine can fall back to another backend. Each op moves into its own
// file when its launch planner exists.

func unsupported(op string) error {
	return ops.Errorf(ops.ErrUnsupported, "op", op, "the cuda backend has no kernels for it yet")
}

// Attention is not available yet on the cuda backend.
func (b *Backend) Attention(a *ops.AttentionArgs) error {
	if err := ops.CheckAttention(a, Name); err != nil {
		return err
	}
	return unsupported("attention")
}

// Merge is not available yet on the cuda backend.
func (b *Backend) Merge(a *ops.MergeArgs) error {
	if err := ops.CheckMerge(a, Name); err != nil {
		return err
	}
	return unsupported("merge")
}

// Scores is not available yet on the cuda backend.
func (b *Backend) Scores(a *ops.ScoresArgs) error {
	if err := ops.CheckScores(a, Name); err != nil {
		return err
	}
	return unsupported("scores")
}

// Criticality is not available yet on the cuda backend.
func (b *Backend) Criticality(a *ops.CriticalityArgs) error {
	if err := ops.CheckCriticality(a, Name); err != nil {
		return err
	}
	return unsupported("criticality")
}

// TopK is not available yet on the cuda backend.
func (b *Backend) TopK(a *ops.TopKArgs) error {
	if err := ops.CheckTopK(a, Name); err != nil {
		return err
	}
	return unsupported("topk")
}

// PageMeta is not available yet on the cuda backend.
func (b *Backend) PageMeta(a *ops.PageMetaArgs) error {
	if err := ops.CheckPageMeta(a, Name); err != nil {
		return err
	}
	return unsupported("pagemeta")
}

// PageScores is not available yet on the cuda backend.
func (b *Backend) PageScores(a *ops.PageScoresArgs) error {
	if err := ops.CheckPageScores(a, Name); err != nil {
		return err
	}
	return unsupported("pagescores")
}
