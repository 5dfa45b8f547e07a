package fallback

import (
	"slices"
	"sync"

	"github.com/rotorkernels/rotor/ops"
)

// ropeTable holds the interleaved cos and sin of every pair of one
// schedule at positions [0, n). Tables are immutable once published.
type ropeTable struct {
	angles ops.AngleMode
	attn   float64
	inv    []float64
	inv32  []float32
	n      int
	cs     []float32
}

const (
	// rankTableMax bounds the positions a cached table covers; rank
	// positions beyond it are computed on the fly.
	rankTableMax = 1 << 16
	// rankTableStep rounds table sizes up, so growing rows reuse tables.
	rankTableStep = 1024
)

// rankTables caches the tables of the few schedules in use, so decode
// steps with in-op RoPE at rank positions pay for cos and sin once.
var rankTables struct {
	sync.Mutex
	t    [4]*ropeTable
	next int
}

func (t *ropeTable) matches(r *attnRoPE) bool {
	return t.angles == r.angles && t.attn == r.rot.AttentionFactor &&
		slices.Equal(t.inv, r.rot.InvFreq) && slices.Equal(t.inv32, r.invF32)
}

// rankTable returns a table of r's schedule covering at least positions
// [0, min(n, rankTableMax)).
func rankTable(r *attnRoPE, n int) *ropeTable {
	n = min(n, rankTableMax)
	rankTables.Lock()
	slot := -1
	for i, t := range rankTables.t {
		if t != nil && t.matches(r) {
			if t.n >= n {
				rankTables.Unlock()
				return t
			}
			slot = i
		}
	}
	if slot < 0 {
		slot = rankTables.next
		rankTables.next = (rankTables.next + 1) % len(rankTables.t)
	}
	rankTables.Unlock()

	size := min((n+rankTableStep-1)/rankTableStep*rankTableStep, rankTableMax)
	t := &ropeTable{
		angles: r.angles, attn: r.rot.AttentionFactor,
		inv: slices.Clone(r.rot.InvFreq), inv32: slices.Clone(r.invF32),
		n: size, cs: make([]float32, size*2*r.pairs),
	}
	w := 2 * r.pairs
	sharedPool().parallelFor(size, 64, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			fillCosSin(r.rot, r.angles, t.inv32, int32(p), t.cs[p*w:(p+1)*w])
		}
	})
	rankTables.Lock()
	rankTables.t[slot] = t
	rankTables.Unlock()
	return t
}
