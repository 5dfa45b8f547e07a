package fallback

import (
	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/ops"
)

// transposed reports whether the widened path stores each block's keys
// transposed (sc.kt, one row per column) for the register-tile logits
// (vec.DotsT): when one kv head's many lanes (attnWidenLanes or more)
// share the block, so that the transposition is paid once for all of
// them.
func (j *attnJob) transposed() bool {
	return j.widen && j.kvPer == 1 && j.tq*j.g >= attnWidenLanes
}

// widenKeys prepares the block's nb K rows (slots sc.slot) of the
// item's kv heads from kv0 for the widened logits: bfloat16 and float32
// rows without RoPE go straight from the cache into the transposed block
// sc.kt;
// otherwise every row is widened (and rotated to its key position, qp
// being the tile's first query position) into sc.k, and transposed from
// there when the block is used transposed.
func (j *attnJob) widenKeys(sc *attnScratch, kv0 int, qp int32, nb int) {
	D, kvPer := j.D, j.kvPer
	kw := kvPer * D
	offs := sc.koff[:nb]
	if j.transposed() && j.rope == nil && j.k.dt != ops.F16 {
		for i := range offs {
			offs[i] = int(sc.slot[i])*j.k.rs + kv0*D
		}
		if j.k.dt == ops.F32 {
			vec.TransposeGather(sc.kt, j.blk, j.k.f, offs, D)
		} else {
			vec.TransposeGatherBF16(sc.kt, j.blk, j.k.h, offs, D)
		}
		return
	}
	for i := range nb {
		off := int(sc.slot[i])*j.k.rs + kv0*D
		buf := sc.k[i*kw : (i+1)*kw]
		if j.rope == nil {
			j.k.load(off, kw, buf) // binary16: widened
		} else {
			kr := j.k.loadCopy(off, kw, buf)
			cs := j.rope.cosSin(j.rope.keyPos(j, sc.slot[i], sc.rank[i], qp), sc.ropeCS)
			for c := range kvPer {
				j.rope.rotateCS(kr[c*D:(c+1)*D], cs)
			}
		}
	}
	if j.transposed() { // kvPer == 1: row i at i·D
		for i := range offs {
			offs[i] = i * D
		}
		vec.TransposeGather(sc.kt, j.blk, sc.k, offs, D)
	}
}

// widenedDots forms the scaled logits x (stride blk) of the query rows q
// over the block's nb widened keys of the group's kv head c: from the
// transposed block with a register-tile outer product, or by dotting
// every widened row sc.k with four query rows at a time.
func (j *attnJob) widenedDots(sc *attnScratch, x, q []float32, c, nb int) {
	D, blk := j.D, j.blk
	if j.transposed() {
		vec.DotsT(x, blk, q, D, j.scale, sc.kt, blk, nb)
		return
	}
	offs := sc.koff[:nb]
	kw := j.kvPer * D
	for i := range offs {
		offs[i] = i*kw + c*D
	}
	vec.DotsGather(x, blk, q, D, j.scale, sc.k, offs)
}
