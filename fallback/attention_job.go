package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// Tiling of the attention kernel.
const (
	// attnMaxBlock is the most keys whose logits are formed before the
	// running maxima are updated once (one rescale per block, not per
	// key); attnBlockFloats bounds a block's widened keys (about 32 KB),
	// and attnBlockBytes the K and V bytes of a block read in place, so
	// that the block stays in the L1 and L2 caches while every kv head
	// of the group passes over it.
	attnMaxBlock    = 64
	attnBlockFloats = 8192
	attnBlockBytes  = 64 << 10
	// attnLanes bounds the (query, head) pairs a work item serves: each
	// gathered K and V row is widened once and used by all of them.
	attnLanes = 128
	// attnWidenLanes is the fewest lanes per kv head for which a block's
	// bfloat16 K and V rows are widened once into the scratch.
	attnWidenLanes = 16
	// attnMinSplit is the fewest keys a split-KV chunk gets.
	attnMinSplit = 256
	// attnFusedBlock is the block of the fused path (vec.AttendBF16Split
	// keeps each lane's logits of a block in one vector).
	attnFusedBlock = 16
)

// attnJob is one Attention call, cut into work items (query tile, kv
// group, split of the selection row). A work item serves the lanes
// (query token, query head) of tq query tokens and of the g query heads of
// each of kvPer consecutive kv heads, all reading the same row: kvPer > 1
// only when the row is shared by every kv head (request granularity or the
// dense range) and few query tokens fill the lanes (decode), so that one
// slot's K and V rows for all the group's kv heads are read as one
// contiguous run. Jobs are recycled, so steady-state calls allocate
// nothing.
type attnJob struct {
	Tq, Hq, Hk, g, D, Dv int

	q, k, v, o fview
	lse        []float32
	lseRS      int

	// Selection: the dense range [start, start+rowLen) when idx is nil,
	// else rows of width rowLen, one per (t, kv) through row.
	idx    []int32
	gran   ops.Granularity
	start  int
	rowLen int

	qpos, kpos []int32
	// qdoc and kdoc are the document ids (nil: no document mask); logn
	// is the log-n training length (0: off).
	qdoc, kdoc []int32
	logn       int32
	scale, cap float32
	sinks      []float32
	rope       *attnRoPE

	tq, tiles, kvPer, groups, splits, splitLen, blk int
	// prefetch: touch the next block's rows ahead (gathered rows are
	// latency-bound loads from DRAM or the last-level cache).
	prefetch bool
	// widen: the K rows are widened (and rotated) into the scratch
	// before their logits (RoPE in the op, binary16 keys, or many lanes;
	// see transposed); otherwise the logits read them in place. widenV: the block's
	// bfloat16 V rows are widened once into the scratch before P·V (many
	// lanes), rather than in every four-lane call.
	widen, widenV bool
	// fused: a block whose keys every lane sees takes one
	// vec.AttendBF16Split call per group of lanes that read one kv head
	// (logits, softmax update and P·V together): bfloat16 K and V rows
	// read in place, no soft-cap, log-n scaling, document mask or RoPE in
	// the op; blk is then attnFusedBlock.
	fused bool
	// splitQ: the bfloat16 K rows are read in place, so the lanes' query
	// rows are kept in pair-split order (vec.SplitPairs) for the logits.
	// splitAcc: likewise the bfloat16 V rows and the accumulators (and
	// the split-KV partial states), joined when the output is written.
	splitQ, splitAcc bool

	// part holds the partial (m, l, acc) of every split when splits > 1:
	// per (tile, group, split), lanes × (Dv + 2) floats.
	part []float32

	scratch []attnScratch

	idxBuf, posBuf, kposBuf []int32
	qdocBuf, kdocBuf        []int32
	sinkBuf                 []float32
	ropeState               attnRoPE
	mergePass               attnMerge
}

// attnScratch is one worker's reusable state.
type attnScratch struct {
	q       []float32 // lanes × D (× 3 for Dual Chunk Attention): widened (and rotated) queries
	k       []float32 // blk × kvPer × D: widened (and rotated) keys
	kt      []float32 // D × blk: one kv head's widened keys, transposed
	v       []float32 // blk × kvPer × Dv: the block's widened value rows
	x       []float32 // lanes × blk: logits, then weights
	m, l    []float32 // lanes: running max and sum
	acc     []float32 // lanes × Dv
	out     []float32 // Dv
	slot    [attnMaxBlock]int32
	voff    []int // kvPer × blk: element offsets of the block's V rows
	koff    []int // blk: offsets of one kv head's K rows for the logits
	kbase   int   // element offset of the item's first kv head in a slot
	rank    [attnMaxBlock]int32
	seen    [attnMaxBlock]bool  // with masks: the block's keys some lane sees
	next    [attnMaxBlock]int32 // the next block's slots, to prefetch
	nnext   int
	alpha   []float32 // lanes: the block's accumulator factors
	lanePos []int32   // tq: query positions (causal)
	ropeCS  []float32
	// laneDoc, laneScale and laneQP hold per query token of the tile its
	// document, its log-n scale and its rotation position.
	laneDoc   []int32
	laneScale []float32
	laneQP    []int32
	// xv and kchunk serve Dual Chunk Attention: the logits of a second
	// query rotation, and the chunks of the block's keys.
	xv     []float32
	kchunk [attnMaxBlock]int32
}

var attnJobs = jobs[attnJob]{limit: 16}

func getAttnJob() *attnJob { return attnJobs.get() }

// putAttnJob recycles j, dropping its references to caller memory.
func putAttnJob(j *attnJob) {
	keep := attnJob{
		part: j.part[:0], scratch: j.scratch,
		idxBuf: j.idxBuf[:0], posBuf: j.posBuf[:0], kposBuf: j.kposBuf[:0], sinkBuf: j.sinkBuf[:0],
		qdocBuf: j.qdocBuf[:0], kdocBuf: j.kdocBuf[:0],
		ropeState: attnRoPE{invF32: j.ropeState.invF32[:0]},
	}
	*j = keep
	attnJobs.put(j)
}

// setup reads a validated call into j: views, index rows, positions and
// sinks (checking their values), and the schedule for width workers.
func (j *attnJob) setup(a *ops.AttentionArgs, width int) error {
	j.Tq, j.Hq, j.D = a.Q.Shape[0], a.Q.Shape[1], a.Q.Shape[2]
	S := a.K.Shape[0]
	j.Hk, j.Dv = a.K.Shape[1], a.V.Shape[2]
	j.g = j.Hq / j.Hk
	j.q, j.k, j.v, j.o = fviewOf(a.Q), fviewOf(a.K), fviewOf(a.V), fviewOf(a.O)
	if a.LSE != nil {
		j.lse, j.lseRS = f32s(a.LSE), a.LSE.RowStride()
	}
	if a.Sel.Indices == nil {
		end := a.Sel.End
		if end == 0 {
			end = S
		}
		j.start, j.rowLen = a.Sel.Start, end-a.Sel.Start
	} else {
		j.gran = a.Sel.Granularity
		j.rowLen = a.Sel.Indices.Shape[a.Sel.Indices.Rank()-1]
		j.idx, j.idxBuf = denseI32(a.Sel.Indices, j.idxBuf)
		if err := ops.CheckIndices("sel.indices", j.idx, S); err != nil {
			return err
		}
	}
	if a.QPos != nil {
		j.qpos, j.posBuf = denseI32(a.QPos, j.posBuf)
		j.kpos, j.kposBuf = denseI32(a.KPos, j.kposBuf)
	}
	if a.QDoc != nil {
		j.qdoc, j.qdocBuf = denseI32(a.QDoc, j.qdocBuf)
		j.kdoc, j.kdocBuf = denseI32(a.KDoc, j.kdocBuf)
	}
	j.logn = a.LogN
	if a.Sinks != nil {
		j.sinks, j.sinkBuf = denseF32(a.Sinks, j.sinkBuf)
		if err := ops.CheckSinks("sinks", j.sinks); err != nil {
			return err
		}
	}
	j.scale = a.Scale
	if j.scale == 0 {
		j.scale = float32(1 / math.Sqrt(float64(j.D)))
	}
	j.cap = a.SoftCap
	j.rope = nil
	if a.RoPE != nil {
		if err := j.ropeState.setup(a.RoPE, j); err != nil {
			return err
		}
		j.rope = &j.ropeState
	}
	j.schedule(width)
	return nil
}

// shared reports whether all query tokens read the same row of a kv head.
func (j *attnJob) shared() bool { return j.idx == nil || j.gran != ops.PerQuery }

// row returns the index row of (t, kv), or nil for the dense range.
func (j *attnJob) row(t, kv int) []int32 {
	if j.idx == nil {
		return nil
	}
	r := 0
	switch j.gran {
	case ops.PerKVHead:
		r = kv
	case ops.PerQuery:
		r = t*j.Hk + kv
	}
	return j.idx[r*j.rowLen : (r+1)*j.rowLen]
}

// schedule picks the query tile, the kv group and the split-KV factor so
// that every worker has several items, and sizes the buffers.
func (j *attnJob) schedule(width int) {
	j.tq, j.kvPer = 1, 1
	if j.Tq == 0 || j.g == 0 { // no output rows
		j.tiles, j.groups, j.splits = 0, 1, 1
		return
	}
	if j.shared() && (j.rope == nil || j.rope.mode != ops.KeyPosCapped) {
		j.tq = max(1, min(j.Tq, attnLanes/j.g))
		acrossHeads := j.idx == nil || j.gran == ops.PerRequest
		if j.tq == j.Tq && acrossHeads { // lanes to spare: group kv heads
			for p := j.Hk; p >= 1; p-- {
				if j.Hk%p == 0 && p*j.g*j.tq <= attnLanes {
					j.kvPer = p
					break
				}
			}
		}
	}
	j.tiles = (j.Tq + j.tq - 1) / j.tq
	j.groups = j.Hk / j.kvPer
	// With attnWidenLanes lanes or more per kv head, every 16-bit row is
	// read by many four-lane kernel calls: widening it once costs less
	// than widening it in each. float32 keys take the widened path too
	// when one kv head's many lanes can share the transposed block.
	many := j.tq*j.g >= attnWidenLanes
	j.widen = j.rope != nil || j.k.dt == ops.F16 || (many && j.k.dt == ops.BF16) ||
		(many && j.k.dt == ops.F32 && j.kvPer == 1)
	j.widenV = many && j.v.dt == ops.BF16
	j.splitQ = !j.widen && j.k.dt == ops.BF16
	j.splitAcc = !j.widenV && j.v.dt == ops.BF16
	j.blk = max(4, min(attnMaxBlock, attnBlockBytes/(j.kvPer*(j.D+j.Dv)*j.k.dt.Size())))
	if j.widen {
		j.blk = max(4, min(attnMaxBlock, attnBlockFloats/(j.kvPer*j.D)))
	}
	j.fused = j.splitQ && j.splitAcc && j.cap <= 0 && j.logn == 0 && j.qdoc == nil && j.rope == nil
	if j.fused {
		j.blk = attnFusedBlock
	}
	j.prefetch = true
	base := j.tiles * j.groups
	j.splits, j.splitLen = 1, j.rowLen
	if want := 4 * width; base > 0 && base < want && j.rowLen >= 2*attnMinSplit {
		s := min((want+base-1)/base, j.rowLen/attnMinSplit)
		l := (j.rowLen + s - 1) / s
		l = (l + j.blk - 1) / j.blk * j.blk
		j.splits, j.splitLen = (j.rowLen+l-1)/l, l
	}
	if j.splits > 1 {
		j.part = grow.Slice(j.part, base*j.splits*j.lanes()*(j.Dv+2))
	}
	if len(j.scratch) < width {
		j.scratch = append(j.scratch, make([]attnScratch, width-len(j.scratch))...)
	}
	// Every worker's scratch is sized here, not when the worker first
	// joins: a helper that happens to join a call for the first time
	// must not allocate in steady state.
	for i := range j.scratch[:width] {
		j.scratch[i].ensure(j)
	}
}

// lanes returns the (query, head) pairs of a full work item.
func (j *attnJob) lanes() int { return j.tq * j.kvPer * j.g }

// items returns the number of work items of the first pass.
func (j *attnJob) items() int { return j.tiles * j.groups * j.splits }

// run serves work items [lo, hi) on worker w: the pool's runner.
func (j *attnJob) run(w, lo, hi int) {
	sc := &j.scratch[w]
	for it := lo; it < hi; it++ {
		split := it % j.splits
		grp := (it / j.splits) % j.groups
		tile := it / (j.splits * j.groups)
		j.tile(sc, tile, grp, split)
	}
}

// ensure sizes s for j.
func (s *attnScratch) ensure(j *attnJob) {
	lanes := j.lanes()
	s.q = grow.Slice(s.q, j.queryVariants()*lanes*j.D)
	s.k = grow.Slice(s.k, j.blk*j.kvPer*j.D)
	if j.transposed() {
		s.kt = grow.Slice(s.kt, j.D*j.blk)
	}
	s.v = grow.Slice(s.v, j.blk*j.kvPer*j.Dv)
	if cap(s.voff) < j.blk*j.kvPer {
		s.voff = make([]int, j.blk*j.kvPer)
	}
	s.voff = s.voff[:j.blk*j.kvPer]
	if cap(s.koff) < j.blk {
		s.koff = make([]int, j.blk)
	}
	s.koff = s.koff[:j.blk]
	s.x = grow.Slice(s.x, lanes*j.blk)
	s.m = grow.Slice(s.m, lanes)
	s.l = grow.Slice(s.l, lanes)
	s.acc = grow.Slice(s.acc, lanes*j.Dv)
	s.out = grow.Slice(s.out, j.Dv)
	s.alpha = grow.Slice(s.alpha, lanes)
	s.lanePos = grow.Slice(s.lanePos, j.tq)
	s.laneDoc = grow.Slice(s.laneDoc, j.tq)
	s.laneScale = grow.Slice(s.laneScale, j.tq)
	s.laneQP = grow.Slice(s.laneQP, j.tq)
	if j.rope != nil {
		s.ropeCS = grow.Slice(s.ropeCS, 2*j.rope.pairs)
	}
	if j.queryVariants() > 1 {
		s.xv = grow.Slice(s.xv, lanes*j.blk)
	}
}

// queryVariants returns how many rotated copies of each query row a tile
// keeps: one per chunk class with Dual Chunk Attention, else one.
func (j *attnJob) queryVariants() int {
	if j.rope != nil && j.rope.mode == ops.KeyPosDualChunk {
		return 3
	}
	return 1
}
