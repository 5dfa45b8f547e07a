package fallback

import (
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// attnRoPE is the in-op rotation of one Attention call (ops.KeyRoPE):
// the positions of queries and keys, and their cos and sin, taken from a
// cached table for the small positions KeyPosRank uses and computed on
// the fly otherwise.
type attnRoPE struct {
	rot    *ops.Rotary
	angles ops.AngleMode
	mode   ops.KeyPosMode
	cap    int32
	qpos0  int32
	chunk  ops.DualChunk
	pairs  int
	invF32 []float32
	tab    *ropeTable
}

// setup prepares r for job j, checking the positions it rotates at.
func (r *attnRoPE) setup(k *ops.KeyRoPE, j *attnJob) error {
	*r = attnRoPE{
		rot: k.Rotary, angles: k.Angles, mode: k.KeyPos, cap: k.Cap, qpos0: k.QueryPos, chunk: k.Chunk,
		pairs: k.Rotary.Pairs(), invF32: r.invF32[:0],
	}
	if r.mode != ops.KeyPosRank {
		if err := ops.CheckPositions("k_pos", j.kpos); err != nil {
			return err
		}
		if err := ops.CheckPositions("q_pos", j.qpos); err != nil && r.qpos0 <= 0 {
			return err
		}
	}
	if r.angles == ops.Compat { // a private copy: the buffer is recycled
		if k.Rotary.InvFreqF32 != nil {
			r.invF32 = append(r.invF32, k.Rotary.InvFreqF32...)
		} else {
			for _, f := range k.Rotary.InvFreq {
				r.invF32 = append(r.invF32, float32(f))
			}
		}
	}
	switch {
	case r.mode == ops.KeyPosRank && j.rowLen > 0:
		r.tab = rankTable(r, j.rowLen)
	case r.mode == ops.KeyPosDualChunk: // every position lies in [0, ChunkSize]
		r.tab = rankTable(r, int(r.chunk.ChunkSize)+1)
	}
	return nil
}

// queryPos returns the rotation position of query t whose row has n
// non-padding entries (ops.KeyRoPE).
func (r *attnRoPE) queryPos(j *attnJob, t int, n int32) int32 {
	if r.qpos0 > 0 {
		return r.qpos0 + int32(t)
	}
	if r.mode != ops.KeyPosRank {
		return j.qpos[t]
	}
	p := n - 1
	if j.shared() {
		p = n - int32(j.Tq) + int32(t)
	}
	return max(p, 0)
}

// keyPos returns the rotation position of slot s, of rank rank in its
// row, for a query rotated at qp.
func (r *attnRoPE) keyPos(j *attnJob, s, rank, qp int32) int32 {
	switch r.mode {
	case ops.KeyPosOriginal:
		return j.kpos[s]
	case ops.KeyPosCapped:
		return max(j.kpos[s], qp-r.cap)
	case ops.KeyPosDualChunk:
		return r.chunk.KeyPos(j.kpos[s])
	}
	return rank
}

// cosSin returns the interleaved cos and sin of every pair at pos: a row
// of the table, or cs filled on the fly.
func (r *attnRoPE) cosSin(pos int32, cs []float32) []float32 {
	if t := r.tab; t != nil && int(pos) < t.n {
		return t.cs[int(pos)*2*r.pairs : (int(pos)+1)*2*r.pairs]
	}
	fillCosSin(r.rot, r.angles, r.invF32, pos, cs[:2*r.pairs])
	return cs[:2*r.pairs]
}

// fillCosSin writes the interleaved cos and sin of every pair of rot at
// pos into cs with the shared angle pipelines.
func fillCosSin(rot *ops.Rotary, angles ops.AngleMode, invF32 []float32, pos int32, cs []float32) {
	for p := range len(cs) / 2 {
		if angles == ops.Compat {
			cs[2*p], cs[2*p+1] = precision.CompatCosSin(pos, invF32[p], rot.AttentionFactor)
		} else {
			cs[2*p], cs[2*p+1] = precision.AccurateCosSin(pos, rot.InvFreq[p], rot.AttentionFactor)
		}
	}
}

// rotate rotates the head x (float32, modified in place) to position pos
// with precision.RotatePair; elements past the rotary dims pass through.
func (r *attnRoPE) rotate(x []float32, pos int32, cs []float32) {
	r.rotateCS(x, r.cosSin(pos, cs))
}

// rotateCS rotates the head x by the interleaved cos and sin c of every
// pair (cosSin's result).
func (r *attnRoPE) rotateCS(x, c []float32) {
	if r.rot.Layout == ops.GPTJ {
		for p := range r.pairs {
			x[2*p], x[2*p+1] = precision.RotatePair(x[2*p], x[2*p+1], c[2*p], c[2*p+1])
		}
		return
	}
	half := r.pairs
	for p := range half {
		x[p], x[p+half] = precision.RotatePair(x[p], x[p+half], c[2*p], c[2*p+1])
	}
}
