package fallback

import "github.com/rotorkernels/rotor/ops"

// rotateQuery rotates the widened query row dst of lane L to the query
// position p (ops.KeyRoPE). With Dual Chunk Attention dst becomes the
// intra-chunk rotation and the successive and inter rotations go to the
// lane's rows of the second and third copy of the tile's queries
// (sc.q at (c·lanes + L)·D).
func (j *attnJob) rotateQuery(sc *attnScratch, dst []float32, L int, p int32) {
	if j.queryVariants() == 1 {
		j.rope.rotate(dst, p, sc.ropeCS)
		return
	}
	D, lanes, ch := j.D, j.lanes(), j.rope.chunk
	for c := ops.ChunkInter; c >= ops.ChunkIntra; c-- {
		row := dst
		if c != ops.ChunkIntra {
			row = sc.q[(c*lanes+L)*D : (c*lanes+L+1)*D]
			copy(row, dst)
		}
		j.rope.rotate(row, ch.QueryPos(p, c), sc.ropeCS)
	}
}

// dualChunkDots forms the scaled logits x (stride blk) of the n lanes
// L0, L0+1, … (which read the group's kv head c) over the block's nb
// widened keys with Dual Chunk Attention: each key meets the rotation of
// the query for its chunk class. The classes present for the lanes' query
// tokens are found first; a block of one class (the usual case: keys in
// position order fall into long runs of one class) costs one set of dot
// products, a mixed block one set per class present, the later ones
// through sc.xv and copied in for their keys.
func (j *attnJob) dualChunkDots(sc *attnScratch, x []float32, L0, n, c, nb int) {
	blk, gl, D, lanes := j.blk, j.kvPer*j.g, j.D, j.lanes()
	ch := j.rope.chunk
	kc := sc.kchunk[:nb]
	for i := range kc {
		kc[i] = ch.Chunk(j.kpos[sc.slot[i]])
	}
	var present [3]bool
	t0, t1 := L0/gl, (L0+n-1)/gl
	for ti := t0; ti <= t1; ti++ {
		qc := ch.Chunk(sc.laneQP[ti])
		for _, k := range kc {
			present[ops.ChunkClass(qc-k)] = true
		}
	}
	first := true
	for cls, ok := range present {
		if !ok {
			continue
		}
		q := sc.q[(cls*lanes+L0)*D : (cls*lanes+L0+n)*D]
		if first { // every key starts with this class's logits
			j.widenedDots(sc, x, q, c, nb)
			first = false
			continue
		}
		xv := sc.xv[:n*blk]
		j.widenedDots(sc, xv, q, c, nb)
		for r := range n {
			qc := ch.Chunk(sc.laneQP[(L0+r)/gl])
			for i, k := range kc {
				if ops.ChunkClass(qc-k) == cls {
					x[r*blk+i] = xv[r*blk+i]
				}
			}
		}
	}
}
