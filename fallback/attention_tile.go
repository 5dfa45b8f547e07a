package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/ops"
)

var negInf = float32(math.Inf(-1))

// tile runs online-softmax attention for one work item: the lanes of a
// query tile and kv group over entries [split·splitLen, …) of their
// shared selection row. Keys are taken blk at a time: each slot's K rows
// for the group's kv heads are dotted with every lane of their kv head
// (in place, or widened and rotated once when RoPE is in the op or the
// keys are binary16), the lanes' running maxima are updated once
// per block, and each slot's V rows are widened once and added to every
// lane. In-place bfloat16 rows meet queries and accumulators kept in
// vec's pair-split order (splitQ, splitAcc), joined in finish. While a
// block is computed, rows are touched ahead so that their cache misses
// overlap the arithmetic: with one kv head, the next block's; with a
// group of kv heads (decode), the block's own V rows during its logits
// and the next block's K rows during its P·V. A block that every lane
// sees takes the fused path instead when the job allows it (fusedBlock).
func (j *attnJob) tile(sc *attnScratch, tile, grp, split int) {
	t0 := tile * j.tq
	nq := min(j.tq, j.Tq-t0)
	g, D, Dv, kvPer := j.g, j.D, j.Dv, j.kvPer
	kv0 := grp * kvPer
	gl := kvPer * g // lanes per query token
	lanes := nq * gl
	row := j.row(t0, kv0)
	lo := split * j.splitLen
	hi := min(lo+j.splitLen, j.rowLen)

	var n, rank int32
	if j.rope != nil && j.rope.mode == ops.KeyPosRank {
		n, rank = countRow(row, lo, j.rowLen)
	}
	var qp int32 // the rotation position of the tile's first query
	for ti := range nq {
		t := t0 + ti
		if j.qpos != nil {
			sc.lanePos[ti] = j.qpos[t]
		}
		if j.qdoc != nil {
			sc.laneDoc[ti] = j.qdoc[t]
		}
		if j.logn > 0 {
			sc.laneScale[ti] = float32(ops.LogNScale(j.qpos[t], j.logn))
		}
		var p int32
		if j.rope != nil {
			p = j.rope.queryPos(j, t, n)
			sc.laneQP[ti] = p
			if ti == 0 {
				qp = p
			}
		}
		for c := range gl {
			L := ti*gl + c
			dst := j.q.loadCopy(t*j.q.rs+(kv0*g+c)*D, D, sc.q[L*D:(L+1)*D])
			if j.rope != nil {
				j.rotateQuery(sc, dst, L, p)
			}
			if j.splitQ {
				vec.SplitPairs(dst, dst, D)
			}
		}
	}
	m, l, acc := sc.m[:lanes], sc.l[:lanes], sc.acc[:lanes*Dv]
	for L := range lanes {
		m[L], l[L] = negInf, 0
	}
	clear(acc)

	kw := kvPer * D // width of one slot's group K rows
	sc.kbase = kv0 * D
	next := lo
	for next < hi {
		nb := 0
		for ; next < hi && nb < j.blk; next++ {
			s := int32(j.start + next)
			if row != nil {
				if s = row[next]; s < 0 {
					continue
				}
			}
			sc.slot[nb], sc.rank[nb] = s, rank
			rank++
			nb++
		}
		if nb == 0 {
			continue
		}
		sc.nnext = 0
		if j.prefetch {
			j.nextSlots(sc, row, next, hi)
		}
		if j.fused && j.visible(sc, nq, nb) {
			j.fusedBlock(sc, nq, kv0, nb)
			continue
		}
		if j.widen {
			j.widenKeys(sc, kv0, qp, nb)
		}
		if j.masks() {
			clear(sc.seen[:nb])
		}
		if kvPer == 1 { // every lane reads the same kv head
			j.touchPart(sc, &j.k, kv0*D, kw, 0, 1)
			j.blockDots(sc, 0, lanes, 0, nb)
		} else {
			for r := 0; r < lanes; r += g {
				c := (r % gl) / g
				if r < gl { // this block's V rows, for its P·V
					touchSlots(&j.v, sc.slot[:nb], kv0*Dv, kvPer*Dv, c, kvPer)
				}
				j.blockDots(sc, r, g, c, nb)
			}
		}
		j.blockSoftmax(sc, lanes, nb)
		j.accumulateV(sc, nq, kv0, nb)
	}

	if j.splits == 1 {
		for L := range lanes {
			ti, c := L/gl, L%gl
			j.finish(sc, t0+ti, kv0*g+c, m[L], l[L], acc[L*Dv:(L+1)*Dv])
		}
		return
	}
	stride := j.lanes() * (Dv + 2)
	part := j.part[((tile*j.groups+grp)*j.splits+split)*stride:]
	for L := range lanes {
		p := part[L*(Dv+2) : (L+1)*(Dv+2)]
		p[0], p[1] = m[L], l[L]
		copy(p[2:], acc[L*Dv:(L+1)*Dv])
	}
}

// accumulateV adds the block's weighted V rows to the accumulators of
// the tile's nq·kvPer·g lanes. Keys that no lane sees (masked for all)
// are dropped first, so their rows are never read; the others go to one
// vector P·V call per kv head (per query token when kvPer > 1), in which
// each row chunk is read once for all lanes of the head. A key some lane
// sees is kept even when every weight of it rounded to 0, so that a NaN
// in its value row still reaches the output (0·NaN is NaN).
func (j *attnJob) accumulateV(sc *attnScratch, nq, kv0, nb int) {
	blk, g, kvPer, Dv := j.blk, j.g, j.kvPer, j.Dv
	gl := kvPer * g
	lanes := nq * gl
	k := 0
	for i := range nb {
		if j.masks() && !sc.seen[i] {
			continue
		}
		if k != i {
			for L := range lanes {
				sc.x[L*blk+k] = sc.x[L*blk+i]
			}
		}
		sc.slot[k] = sc.slot[i]
		k++
	}
	if k == 0 || j.v.dt == ops.F16 {
		j.touchPart(sc, &j.v, kv0*Dv, kvPer*Dv, 0, 1)
	}
	if k == 0 {
		return
	}
	if j.v.dt == ops.F16 {
		vw := kvPer * Dv
		for i := range k {
			vr := j.v.load(int(sc.slot[i])*j.v.rs+kv0*Dv, vw, sc.v)
			for L := range lanes {
				c := (L % gl) / g
				vec.Axpy(sc.x[L*blk+i], vr[c*Dv:(c+1)*Dv], sc.acc[L*Dv:(L+1)*Dv])
			}
		}
		return
	}
	vw := kvPer * Dv
	if j.widenV {
		for i := range k {
			off := int(sc.slot[i])*j.v.rs + kv0*Dv
			vec.BF16ToF32(sc.v[i*vw:(i+1)*vw], j.v.h[off:off+vw])
		}
	}
	for c := range kvPer {
		if kvPer > 1 { // the next block's K rows, for its logits
			touchSlots(&j.k, sc.next[:sc.nnext], kv0*j.D, kvPer*j.D, c, kvPer)
		} else {
			j.touchPart(sc, &j.v, kv0*Dv, vw, c, kvPer)
		}
		offs := sc.voff[c*blk : c*blk+k]
		for i := range offs {
			if j.widenV {
				offs[i] = i*vw + c*Dv
			} else {
				offs[i] = int(sc.slot[i])*j.v.rs + (kv0+c)*Dv
			}
		}
		for ti := range nq {
			L0, n := ti*gl+c*g, g
			if kvPer == 1 { // the lanes of every query token, contiguous
				L0, n = 0, lanes
			}
			acc, p := sc.acc[L0*Dv:(L0+n)*Dv], sc.x[L0*blk:]
			switch {
			case j.widenV:
				vec.Accumulate(acc, Dv, p, blk, sc.v, offs)
			case j.splitAcc:
				vec.AccumulateBF16Split(acc, Dv, p, blk, j.v.h, offs)
			default:
				j.v.accumulate(acc, Dv, p, blk, offs)
			}
			if kvPer == 1 {
				break
			}
		}
	}
}

// nextSlots records in sc the slots of the next block (entries from e
// on, at most blk slots before hi), whose rows are prefetched while the
// current block is computed: with one kv head the K rows a part before
// each kv head's logits and the V rows a part before each kv head's P·V,
// with a group of kv heads the K rows a part before each kv head's P·V,
// so that the misses overlap the arithmetic instead of queueing up front.
func (j *attnJob) nextSlots(sc *attnScratch, row []int32, e, hi int) {
	n := 0
	for ; e < hi && n < j.blk; e++ {
		s := j.start + e
		if row != nil {
			if s = int(row[e]); s < 0 {
				continue
			}
		}
		sc.next[n] = int32(s)
		n++
	}
	sc.nnext = n
}

// touchPart prefetches part p of parts of the next block's rows of view
// v: w elements at element offset base of each slot.
func (j *attnJob) touchPart(sc *attnScratch, v *fview, base, w, p, parts int) {
	n := sc.nnext
	for _, s := range sc.next[p*n/parts : (p+1)*n/parts] {
		v.prefetch(int(s)*v.rs+base, w)
	}
}

// touchSlots prefetches part p of parts of the rows of view v of slots:
// w elements at element offset base of each slot.
func touchSlots(v *fview, slots []int32, base, w, p, parts int) {
	n := len(slots)
	for _, s := range slots[p*n/parts : (p+1)*n/parts] {
		v.prefetch(int(s)*v.rs+base, w)
	}
}

// masks reports whether keys may be hidden from a lane (causal positions
// or documents): blockDots then records in sc.seen the keys some lane
// sees.
func (j *attnJob) masks() bool { return j.qpos != nil || j.qdoc != nil }

// blockDots forms the logits of the n lanes L0, L0+1, … (which read the
// group's kv head c) over the block's nb keys into sc.x: scaled and
// capped q·k, or -Inf for keys a lane's query may not see. One gathered
// dot call reads each key row once for every four lanes: the rows in
// place, or their widened (rotated) copies in sc.k.
func (j *attnJob) blockDots(sc *attnScratch, L0, n, c, nb int) {
	blk, gl, D := j.blk, j.kvPer*j.g, j.D
	q := sc.q[L0*D : (L0+n)*D]
	x := sc.x[L0*blk : (L0+n)*blk]
	switch {
	case j.queryVariants() > 1:
		j.dualChunkDots(sc, x, L0, n, c, nb)
	case j.widen:
		j.widenedDots(sc, x, q, c, nb)
	default:
		offs := sc.koff[:nb]
		base := sc.kbase + c*D // element offset of kv head kv0+c in a slot
		for i := range offs {
			offs[i] = int(sc.slot[i])*j.k.rs + base
		}
		if j.splitQ {
			vec.DotsGatherBF16Split(x, blk, q, D, j.scale, j.k.h, offs)
		} else {
			j.k.dotsGather(x, blk, q, D, j.scale, offs)
		}
	}
	masked, docs, logn := j.qpos != nil, j.qdoc != nil, j.logn > 0
	if !masked && !docs && j.cap <= 0 {
		return
	}
	for r := range n {
		xr := x[r*blk : r*blk+nb]
		ti := (L0 + r) / gl
		qp, qd, f := sc.lanePos[ti], sc.laneDoc[ti], sc.laneScale[ti]
		for i, v := range xr {
			s := sc.slot[i]
			switch {
			case masked && j.kpos[s] > qp, docs && j.kdoc[s] != qd && j.kdoc[s] != -1:
				v = negInf
			default:
				sc.seen[i] = true
				if logn {
					v *= f
				}
				if j.cap > 0 {
					v = j.cap * float32(math.Tanh(float64(v/j.cap)))
				}
			}
			xr[i] = v
		}
	}
}

// finish writes output row (t, h) from its softmax state: the sink joins
// the denominator, O = acc/l rounded once to the output dtype, LSE =
// m + log l. An empty state gives O = 0 and LSE = -Inf (or the sink).
func (j *attnJob) finish(sc *attnScratch, t, h int, m, l float32, acc []float32) {
	if j.sinks != nil {
		if sk := j.sinks[h]; sk != negInf {
			nm := max(m, sk)
			if m != negInf {
				alpha := float32(math.Exp(float64(m - nm)))
				l *= alpha
				if alpha != 1 {
					vec.Scale(alpha, acc)
				}
			} else {
				l = 0
				clear(acc)
			}
			l += float32(math.Exp(float64(sk - nm)))
			m = nm
		}
	}
	out := sc.out[:j.Dv]
	lse := negInf
	if m == negInf || l == 0 {
		clear(out)
	} else {
		inv := 1 / l
		if j.splitAcc {
			vec.JoinPairs(out, acc, j.Dv)
			acc = out
		}
		for d, a := range acc {
			out[d] = a * inv
		}
		lse = float32(float64(m) + math.Log(float64(l)))
	}
	j.o.store(t*j.o.rs+h*j.Dv, out)
	if j.lse != nil {
		j.lse[t*j.lseRS+h] = lse
	}
}

// countRow returns the number of non-padding entries of row (rowLen for
// the dense range) and how many of them precede entry lo.
func countRow(row []int32, lo, rowLen int) (n, before int32) {
	if row == nil {
		return int32(rowLen), int32(lo)
	}
	for e, s := range row {
		if s >= 0 {
			n++
			if e < lo {
				before++
			}
		}
	}
	return n, before
}

// attnMerge is the second pass of a split-KV call: it combines the splits
// of every (tile, kv group) item and finishes their output rows.
type attnMerge struct{ j *attnJob }

func (mp *attnMerge) run(w, lo, hi int) {
	j := mp.j
	sc := &j.scratch[w]
	Dv, gl := j.Dv, j.kvPer*j.g
	stride := j.lanes() * (Dv + 2)
	for it := lo; it < hi; it++ {
		tile, grp := it/j.groups, it%j.groups
		t0 := tile * j.tq
		nq := min(j.tq, j.Tq-t0)
		base := j.part[it*j.splits*stride:]
		for L := range nq * gl {
			M := negInf
			for s := range j.splits {
				M = max(M, base[s*stride+L*(Dv+2)])
			}
			acc := sc.acc[:Dv]
			clear(acc)
			var l float32
			if M != negInf {
				for s := range j.splits {
					p := base[s*stride+L*(Dv+2) : s*stride+(L+1)*(Dv+2)]
					if p[0] == negInf {
						continue
					}
					w := expf32(p[0] - M)
					l += w * p[1]
					vec.Axpy(w, p[2:], acc)
				}
			}
			j.finish(sc, t0+L/gl, grp*gl+L%gl, M, l, acc)
		}
	}
}
