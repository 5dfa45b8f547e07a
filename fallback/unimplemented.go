package fallback

import "github.com/rotorkernels/rotor/ops"

// Ops not yet provided by this backend return ErrUnsupported. Each op
// moves out of this file into its own when it is implemented.

func unsupported(op string) error {
	return ops.Errorf(ops.ErrUnsupported, "op", op, "not implemented by the fallback backend")
}

// Scores is not yet implemented.
func (b *Backend) Scores(a *ops.ScoresArgs) error { return unsupported("scores") }

// Criticality is not yet implemented.
func (b *Backend) Criticality(a *ops.CriticalityArgs) error { return unsupported("criticality") }

// TopK is not yet implemented.
func (b *Backend) TopK(a *ops.TopKArgs) error { return unsupported("topk") }

// PageMeta is not yet implemented.
func (b *Backend) PageMeta(a *ops.PageMetaArgs) error { return unsupported("page_meta") }

// PageScores is not yet implemented.
func (b *Backend) PageScores(a *ops.PageScoresArgs) error { return unsupported("page_scores") }
