package crosscheck

import (
	"testing"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// bentOps is the fallback with one output element of every op but RoPE
// changed after the op: a float moved away from zero by a quarter of
// itself plus 0.05, an index moved by one. Every check must catch it
// against both references.
type bentOps struct{ *fallback.Backend }

func (b bentOps) Name() string { return "bent" }

// bend changes element len/2 of t.
func (b bentOps) bend(t *ops.Tensor, err error) error {
	if err != nil {
		return err
	}
	i := t.Len() / 2
	if t.DType == ops.I32 {
		x := make([]int32, t.Len())
		if err := b.Read(ops.Bytes(x), t); err != nil {
			return err
		}
		x[i]++
		return b.Write(t, ops.Bytes(x))
	}
	x, err := bench.Download(b, t)
	if err != nil {
		return err
	}
	if x[i] >= 0 {
		x[i] = x[i]*1.25 + 0.05
	} else {
		x[i] = x[i]*1.25 - 0.05
	}
	return b.Write(t, bench.EncodeFloat32(t.DType, x))
}

func (b bentOps) Attention(a *ops.AttentionArgs) error { return b.bend(a.O, b.Backend.Attention(a)) }
func (b bentOps) Merge(a *ops.MergeArgs) error         { return b.bend(a.O, b.Backend.Merge(a)) }
func (b bentOps) Scores(a *ops.ScoresArgs) error       { return b.bend(a.Out, b.Backend.Scores(a)) }
func (b bentOps) Criticality(a *ops.CriticalityArgs) error {
	return b.bend(a.Out, b.Backend.Criticality(a))
}
func (b bentOps) TopK(a *ops.TopKArgs) error         { return b.bend(a.Out, b.Backend.TopK(a)) }
func (b bentOps) PageMeta(a *ops.PageMetaArgs) error { return b.bend(a.Max, b.Backend.PageMeta(a)) }
func (b bentOps) PageScores(a *ops.PageScoresArgs) error {
	return b.bend(a.Out, b.Backend.PageScores(a))
}
func (b bentOps) KMeansAssign(a *ops.KMeansAssignArgs) error {
	return b.bend(a.Labels, b.Backend.KMeansAssign(a))
}
func (b bentOps) RoPEAppend(a *ops.RoPEAppendArgs) error {
	return b.bend(a.KCache, b.Backend.RoPEAppend(a))
}

// TestChecksCatchOneBadElement: every case of every op but RoPE (whose
// bit-level test is TestCheckRoPECatchesErrors) fails when one output
// element is wrong, against float64 and against the fallback.
func TestChecksCatchOneBadElement(t *testing.T) {
	for _, op := range Ops() {
		if op == "rope" {
			continue
		}
		rs, err := Run(&Ctx{Test: bentOps{fallback.New()}, Ref: fallback.New(), Seed: 5, Quick: true}, op)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		for _, r := range rs {
			if r.Pass || r.Mismatches == 0 || r.Notes == "" {
				t.Errorf("%s %s vs %s: one bad element passed: %+v", r.Op, r.Case, r.Reference, r)
			}
		}
	}
}
