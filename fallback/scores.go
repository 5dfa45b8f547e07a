package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// Scores computes Out[h, n] = Scale·q[h]·k[slot(n), h/g] for every query
// head h and candidate n (a slot range or an I32 list whose -1 entries
// score -Inf), in float32. Candidates are spread over the pool in blocks;
// each candidate's K row of a kv head is read once for the g query heads
// of that head (bfloat16 rows are widened in registers), so the pool is
// read once, in slot order when the candidates are.
func (b *Backend) Scores(a *ops.ScoresArgs) error {
	if err := ops.CheckScores(a, Name); err != nil {
		return err
	}
	j := getScoresJob()
	defer putScoresJob(j)
	S := a.K.Shape[0]
	j.Hq, j.D, j.Hk = a.Q.Shape[0], a.Q.Shape[1], a.K.Shape[1]
	j.g = j.Hq / j.Hk
	j.N = ops.CandidateCount(&a.Candidates, S)
	if a.Candidates.Indices != nil {
		j.idx, j.idxBuf = denseI32(a.Candidates.Indices, j.idxBuf)
		if err := ops.CheckIndices("candidates.indices", j.idx, S); err != nil {
			return err
		}
	} else {
		j.start = a.Candidates.Start
	}
	if j.Hq == 0 || j.N == 0 { // Out is empty: its memory may be any size
		return nil
	}
	j.scale = a.Scale
	if j.scale == 0 {
		j.scale = float32(1 / math.Sqrt(float64(j.D)))
	}
	j.k, j.out, j.outRS = fviewOf(a.K), f32s(a.Out), a.Out.RowStride()
	q := fviewOf(a.Q)
	j.q = grow.Slice(j.q, j.Hq*j.D)
	for h := range j.Hq {
		copy(j.q[h*j.D:(h+1)*j.D], q.load(h*q.rs, j.D, j.q[h*j.D:(h+1)*j.D]))
	}
	if j.k.dt == ops.BF16 { // the chunks read bfloat16 K rows in place
		vec.SplitPairs(j.q, j.q, j.D)
	}
	w := b.pool.width()
	if len(j.scratch) < w {
		j.scratch = append(j.scratch, make([][]float32, w-len(j.scratch))...)
	}
	for i := range j.scratch[:w] { // every worker's, before any joins
		j.scratch[i] = grow.Slice(j.scratch[i], j.scratchLen())
	}
	b.pool.run(j.N, 64, j)
	return nil
}

// scoresJob is one Scores call; recycled.
type scoresJob struct {
	Hq, Hk, g, D, N int
	q               []float32
	k               fview
	idx             []int32
	start           int
	scale           float32
	out             []float32
	outRS           int
	idxBuf          []int32
	scratch         [][]float32
}

var scoresJobs = jobs[scoresJob]{limit: 8}

func getScoresJob() *scoresJob { return scoresJobs.get() }

func putScoresJob(j *scoresJob) {
	*j = scoresJob{q: j.q[:0], idxBuf: j.idxBuf[:0], scratch: j.scratch}
	scoresJobs.put(j)
}

// scoresChunk is the most candidates whose K rows one gathered dot call
// per kv head reads; scoresChunkBytes bounds the K bytes of a chunk so
// that they stay in the L1 cache while every kv head passes over them.
const (
	scoresChunk      = 16
	scoresChunkBytes = 32 << 10
)

// run scores candidates [lo, hi) on worker w, scoresChunk at a time
// (chunks end on multiples of the chunk size, so that a full chunk's
// scores of a head are whole cache lines of Out when Out's rows are
// aligned): for each kv head, one gathered dot call
// (vec.DotsGatherBF16Split on the pair-split queries for bfloat16 keys,
// else vec.DotsGather) forms the scores of its g query heads over the
// chunk's run of valid candidates in the worker's scratch, which
// vec.CopyRowsStream then writes to Out with non-temporal stores: every
// line of Out is written once, and reading each line first (the chunk's
// short pieces of Hq rows a power of two apart all fall in one cache
// set) cost about a tenth of the scan. Padding entries score -Inf. One part of the next chunk's K rows
// is touched before each kv head's call, so that their cache misses
// overlap the arithmetic instead of queueing up front.
func (j *scoresJob) run(w, lo, hi int) {
	if j.perSlot() {
		j.runPerSlot(w, lo, hi)
		return
	}
	D, g := j.D, j.g
	chunk := j.chunk()
	xs := j.scratch[w]
	var offs [scoresChunk]int
	for n0 := lo; n0 < hi; {
		n1 := min((n0/chunk+1)*chunk, hi)
		if j.idx != nil && j.idx[n0] < 0 {
			for h := range j.Hq {
				j.out[h*j.outRS+n0] = negInf
			}
			n0++
			continue
		}
		// the run [n0, e) of valid candidates
		e := n0
		for ; e < n1; e++ {
			s := j.start + e
			if j.idx != nil {
				if s = int(j.idx[e]); s < 0 {
					break
				}
			}
			offs[e-n0] = s * j.k.rs
		}
		cnt := e - n0
		next := min(e+chunk, hi) - e // the next chunk, touched in parts
		for kv := range j.Hk {
			j.touch(e+kv*next/j.Hk, e+(kv+1)*next/j.Hk)
			o := offs[:cnt]
			if kv > 0 {
				for i := range o {
					o[i] += D
				}
			}
			x, q := xs[kv*g*cnt:], j.q[kv*g*D:(kv+1)*g*D]
			if j.k.dt == ops.BF16 {
				vec.DotsGatherBF16Split(x, cnt, q, D, j.scale, j.k.h, o)
			} else {
				j.k.dotsGather(x, cnt, q, D, j.scale, o)
			}
		}
		vec.CopyRowsStream(j.out[n0:], j.outRS, xs[:j.Hq*cnt], cnt)
		n0 = e
	}
	vec.StoreFence()
}

// touch prefetches the K rows (all kv heads) of candidates [lo, hi), so
// that their cache misses overlap the current chunk's arithmetic.
func (j *scoresJob) touch(lo, hi int) {
	w := j.Hk * j.D
	if j.idx == nil && j.k.rs == w { // a dense run of slots: one span
		if lo < hi {
			j.k.prefetch((j.start+lo)*w, (hi-lo)*w)
		}
		return
	}
	for n := lo; n < hi; n++ {
		s := j.start + n
		if j.idx != nil {
			if s = int(j.idx[n]); s < 0 {
				continue
			}
		}
		j.k.prefetch(s*j.k.rs, w)
	}
}

// runPerSlot scores candidates [lo, hi) on worker w one slot at a time:
// the slot's K rows of all kv heads, one contiguous record, are read in
// order, each dotted with the g query heads of its kv head in one call
// (binary16 rows widened first). It serves binary16 keys and float32
// groups of whole four-row dot kernels, where reading each record in
// order streams the pool faster than the chunks.
func (j *scoresJob) runPerSlot(w, lo, hi int) {
	D, g := j.D, j.g
	buf, d := j.scratch[w][:D], j.scratch[w][D:D+g]
	for n := lo; n < hi; n++ {
		s := j.start + n
		if j.idx != nil {
			s = int(j.idx[n])
		}
		if s < 0 {
			for h := range j.Hq {
				j.out[h*j.outRS+n] = negInf
			}
			continue
		}
		for kv := range j.Hk {
			off := s*j.k.rs + kv*D
			q := j.q[kv*g*D : (kv+1)*g*D]
			vec.Dots(d, q, j.k.load(off, D, buf))
			for r, v := range d {
				j.out[(kv*g+r)*j.outRS+n] = v * j.scale
			}
		}
	}
}

// perSlot reports whether the call scores one slot at a time
// (runPerSlot) rather than in chunks.
func (j *scoresJob) perSlot() bool {
	return j.k.dt == ops.F16 || (j.k.dt == ops.F32 && j.g%4 == 0)
}

// chunk returns the candidates of one chunk of the chunked scan.
func (j *scoresJob) chunk() int {
	return max(4, min(scoresChunk, scoresChunkBytes/(j.Hk*j.D*j.k.dt.Size())))
}

// scratchLen returns the floats of one worker's scratch.
func (j *scoresJob) scratchLen() int {
	if j.perSlot() {
		return j.D + j.g
	}
	return j.Hq * j.chunk()
}
