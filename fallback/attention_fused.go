package fallback

import "github.com/rotorkernels/rotor/fallback/internal/vec"

// visible reports whether every lane of the tile's nq query tokens sees
// every key of the block (no causal mask hides one), so that the block
// can take the fused path.
func (j *attnJob) visible(sc *attnScratch, nq, nb int) bool {
	if j.qpos == nil {
		return true
	}
	qp := sc.lanePos[0]
	for _, p := range sc.lanePos[1:nq] {
		qp = min(qp, p)
	}
	for _, s := range sc.slot[:nb] {
		if j.kpos[s] > qp {
			return false
		}
	}
	return true
}

// fusedBlock folds the block's nb keys into the state of the tile's
// lanes with one vec.AttendBF16Split call per group of lanes that read
// one kv head: the g lanes of each query token and kv head of the group,
// or all lanes at once when the group is one kv head. Each kv head's
// first call asks for its part of the next block's K and V rows, so that
// their cache misses overlap the arithmetic: a run of consecutive rows
// is handed to the kernel, which asks for a few lines at a time between
// its steps; gathered rows are touched before the call.
func (j *attnJob) fusedBlock(sc *attnScratch, nq, kv0, nb int) {
	blk, g, kvPer, D, Dv := j.blk, j.g, j.kvPer, j.D, j.Dv
	gl := kvPer * g
	koffs, voffs := sc.koff[:nb], sc.voff[:nb]
	for c := range kvPer {
		pk, pv := j.nextRun(sc, &j.k, kv0*D, kvPer*D, c, kvPer), j.nextRun(sc, &j.v, kv0*Dv, kvPer*Dv, c, kvPer)
		if pk == nil || pv == nil {
			j.touchPart(sc, &j.k, kv0*D, kvPer*D, c, kvPer)
			j.touchPart(sc, &j.v, kv0*Dv, kvPer*Dv, c, kvPer)
			pk, pv = nil, nil
		}
		kb, vb := (kv0+c)*D, (kv0+c)*Dv
		for i, s := range sc.slot[:nb] {
			koffs[i] = int(s)*j.k.rs + kb
			voffs[i] = int(s)*j.v.rs + vb
		}
		for ti := range nq {
			L0, n := ti*gl+c*g, g
			if kvPer == 1 { // the lanes of every query token, contiguous
				L0, n = 0, nq*gl
			}
			vec.AttendBF16Split(sc.x[L0*blk:], blk, sc.q[L0*D:(L0+n)*D], D, j.scale, j.k.h, koffs, j.v.h, voffs, Dv,
				sc.m[L0:L0+n], sc.l[L0:L0+n], sc.acc[L0*Dv:(L0+n)*Dv], pk, pv)
			pk, pv = nil, nil // asked for by the first call
			if kvPer == 1 {
				break
			}
		}
	}
}

// nextRun returns part p of parts of the next block's rows of view v (w
// elements at element offset base of each slot) as one run of the
// bfloat16 view, when those rows are one: consecutive slots whose rows
// of w elements fill the row stride. Otherwise (gathered slots, a wider
// stride, float32 rows, nothing next) it returns nil.
func (j *attnJob) nextRun(sc *attnScratch, v *fview, base, w, p, parts int) []uint16 {
	n := sc.nnext
	lo, hi := p*n/parts, (p+1)*n/parts
	if v.h == nil || hi <= lo || v.rs != w || int(sc.next[hi-1]-sc.next[lo]) != hi-1-lo {
		return nil
	}
	start := int(sc.next[lo])*v.rs + base
	return v.h[start : start+(hi-lo)*w]
}
