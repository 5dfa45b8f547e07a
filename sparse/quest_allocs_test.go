package sparse

import (
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// TestQuestAllocs checks that a warm Quest step on the fallback allocates
// nothing: page scores, the soft vote, TopK, the check of the query and
// the expansion of the chosen pages all reuse the policy's buffers, so a
// decode step costs no page faults on fresh memory.
func TestQuestAllocs(t *testing.T) {
	const S, Hq, Hk, D = 4096, 8, 2, 64
	p := randomProblem(71, S, Hq, Hk, D)
	pol, err := NewQuest(fallback.New(), QuestConfig{PageSize: 16, Budget: 512})
	if err != nil {
		t.Fatal(err)
	}
	ctx := p.ctx()
	// The query as [Hq, D] and as one token [1, Hq, D] (the view taken of
	// the latter is kept by the policy too).
	for _, q := range []*ops.Tensor{p.q(), fallback.WrapF32(p.Q, 1, Hq, D)} {
		if _, err := pol.Select(q, ctx); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(5, func() { _, _ = pol.Select(q, ctx) }); n != 0 {
			t.Errorf("q %v: %.1f allocations per warm Select, want 0", q.Shape, n)
		}
	}
}
