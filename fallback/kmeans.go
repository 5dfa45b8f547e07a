package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// KMeansAssign is one Lloyd step of k-means per kv head (see
// ops.KMeansAssignArgs): each point's nearest centroid, its distance, and
// every cluster's sum and size, bit-identical to
// precision.RefKMeansAssign.
//
// The nearest centroid is found in two stages. A screen scores every
// centroid c in float32 as s(c) = ‖c‖² − 2·y·c — the squared distance
// less ‖y‖², which all centroids share — as register-tile outer products
// (vec.DotsT) of a block of points against the head's centroids, stored
// transposed with −‖c‖²/2 as one more column so that one call gives the
// scores; vec.MinBlock keeps each point's smallest score, its first
// centroid and the second smallest score. When the second smallest
// exceeds the smallest by more than precision.KMeansScreenMargin, the
// float32 rounding cannot have changed the winner, and the screen's
// centroid is the label. Otherwise (near ties, a few points in a hundred
// on unit-norm keys) the point's scores are formed again and every
// centroid within the margin is measured exactly with
// precision.KMeansDist, the lowest index winning ties. The distance of
// each label is precision.KMeansDist as well. The float64 arithmetic of
// the points, the distances and the sums runs in the vec package's
// eight-lane kernels, which give precision's bits. Points are spread over
// the worker pool in blocks of kmeansRows per kv head.
//
// The sums are exact: each cluster's elements are added as integers
// (precision.KMeansFixed) in a second pass over the labels, spread over
// (kv head, range of clusters), and rounded once.
func (b *Backend) KMeansAssign(a *ops.KMeansAssignArgs) error {
	if err := ops.CheckKMeansAssign(a, Name); err != nil {
		return err
	}
	j := getKMeansJob()
	defer putKMeansJob(j)
	S := a.K.Shape[0]
	j.Hk, j.D, j.C = a.K.Shape[1], a.K.Shape[2], a.Centroids.Shape[1]
	j.N = ops.CandidateCount(&a.Points, S)
	j.idx, j.start = nil, a.Points.Start
	if a.Points.Indices != nil {
		j.idx, j.idxBuf = denseI32(a.Points.Indices, j.idxBuf)
		if err := ops.CheckIndices("points.indices", j.idx, S); err != nil {
			return err
		}
	}
	j.normalize = a.Normalize
	j.k = fviewOf(a.K)
	j.cents, j.centRS = f32s(a.Centroids), a.Centroids.RowStride()
	if j.N > 0 {
		j.labels, j.labelsRS = i32s(a.Labels), a.Labels.RowStride()
	}
	j.dist = nil
	if a.Dist != nil && j.N > 0 {
		j.dist, j.distRS = f32s(a.Dist), a.Dist.RowStride()
	}
	w := b.pool.width()
	j.parts = min(j.C, max(1, (2*w+j.Hk-1)/j.Hk))
	j.grow(w, a.Sums != nil)
	j.pass = kmeansPrep
	b.pool.run(j.Hk, 1, j)
	if j.N > 0 {
		j.blocks = (j.N + kmeansRows - 1) / kmeansRows
		j.pass = kmeansScreen
		b.pool.run(j.Hk*j.blocks, 1, j)
	}
	if a.Sums == nil {
		return nil
	}
	for h := range j.Hk {
		m := float32(1) // every |y_j| < 2 when normalised
		if !j.normalize {
			m = 0
			for _, ws := range j.work[:w] {
				m = max(m, ws.maxAbs[h])
			}
		}
		j.q[h] = precision.KMeansSumShift(j.N, m)
	}
	j.sums, j.sumsRS = f32s(a.Sums), a.Sums.RowStride()
	j.counts, j.countsRS = i32s(a.Counts), a.Counts.RowStride()
	j.pass = kmeansSums
	b.pool.run(j.Hk*j.parts, 1, j)
	return nil
}

// kmeansRows is the number of points screened together (a multiple of
// the six rows of a vec.DotsT tile); kmeansCols the centroids scored per
// vec.DotsT call, whose scores (kmeansRows × kmeansCols floats) stay in
// the L1 cache for vec.MinBlock.
const (
	kmeansRows = 48
	kmeansCols = 128
	// kmeansStride is the row stride of a transposed block of kmeansCols
	// centroids: not a multiple of 256 bytes, so that the rows of a slice
	// of keys fall in different L1 sets rather than thrashing a few.
	kmeansStride = kmeansCols + 16
	// kmeansVec is the multiple of vector widths a block's columns are
	// rounded up to, so that vec.DotsT never leaves columns to its
	// plain-Go tail: the columns past the last centroid hold zeros, and
	// their scores are never read.
	kmeansVec = 16
)

// The passes of a KMeansAssign call.
const (
	kmeansPrep   = iota // per kv head: the centroids transposed, their norms
	kmeansScreen        // per (kv head, block of points): labels and distances
	kmeansSums          // per (kv head, range of clusters): sums and counts
)

// kmeansJob is one KMeansAssign call; recycled.
type kmeansJob struct {
	Hk, D, C, N int
	normalize   bool
	k           fview
	idx         []int32
	start       int
	idxBuf      []int32

	cents  []float32 // the Centroids tensor's memory
	centRS int
	// per kv head, from kmeansPrep: the centroids transposed, in blocks
	// of kmeansCols, each D+1 rows of kmeansStride (row D: −n_c/2); the
	// largest centroid norm; whether a centroid is not finite
	kt       [][]float32
	cNorm    []float64
	poisoned []bool

	labels              []int32
	labelsRS            int
	dist                []float32
	distRS              int
	sums                []float32
	sumsRS              int
	counts              []int32
	countsRS            int
	q                   []int // per kv head: the sums' fixed-point shift
	blocks, parts, pass int

	work []kmeansWork // per worker
}

// kmeansWork is one worker's scratch.
type kmeansWork struct {
	y      []float32 // kmeansRows points of D+1 (the last 1)
	x      []float32 // kmeansRows × kmeansCols scores
	m1, m2 []float32
	i1     []int32
	yNorm  []float64 // per point; NaN: padding or not finite
	buf    []float32 // one widened key row
	rescan []float32 // C scores of one point
	maxAbs []float32 // per kv head: the largest |y_j| seen
	acc    []int64   // fixed-point sums of a range of clusters
	cnt    []int32
}

var kmeansJobs = jobs[kmeansJob]{limit: 4}

func getKMeansJob() *kmeansJob { return kmeansJobs.get() }

func putKMeansJob(j *kmeansJob) {
	*j = kmeansJob{idxBuf: j.idxBuf[:0], kt: j.kt[:0], cNorm: j.cNorm[:0], poisoned: j.poisoned[:0], q: j.q[:0], work: j.work}
	kmeansJobs.put(j)
}

// grow sizes the per-head tables and the scratch of w workers, every
// worker's before any joins (with the sums pass's accumulators when sums
// is set).
func (j *kmeansJob) grow(w int, sums bool) {
	D1 := j.D + 1
	j.kt = j.kt[:cap(j.kt)] // the tables of earlier calls, reused
	for len(j.kt) < j.Hk {
		j.kt = append(j.kt, nil)
	}
	j.kt = j.kt[:j.Hk]
	for h := range j.kt {
		j.kt[h] = grow.Slice(j.kt[h], j.ktBlocks()*D1*kmeansStride)
	}
	j.cNorm = append(j.cNorm[:0], make([]float64, j.Hk)...)
	j.poisoned = append(j.poisoned[:0], make([]bool, j.Hk)...)
	j.q = append(j.q[:0], make([]int, j.Hk)...)
	if len(j.work) < w {
		j.work = append(j.work, make([]kmeansWork, w-len(j.work))...)
	}
	for i := range j.work[:w] {
		s := &j.work[i]
		s.y = grow.Slice(s.y, kmeansRows*D1)
		s.x = grow.Slice(s.x, kmeansRows*kmeansCols)
		s.m1 = grow.Slice(s.m1, kmeansRows)
		s.m2 = grow.Slice(s.m2, kmeansRows)
		s.i1 = grow.Slice(s.i1, kmeansRows)
		if cap(s.yNorm) < kmeansRows {
			s.yNorm = make([]float64, kmeansRows)
		}
		s.buf = grow.Slice(s.buf, j.D)
		s.rescan = grow.Slice(s.rescan, roundCols(j.C))
		s.maxAbs = grow.Slice(s.maxAbs, j.Hk)
		clear(s.maxAbs)
		if sums {
			n := (j.C + j.parts - 1) / j.parts // the most clusters of a part
			if cap(s.acc) < n*j.D {
				s.acc = make([]int64, n*j.D)
			}
			s.cnt = grow.Slice(s.cnt, n)
		}
	}
}

func (j *kmeansJob) run(w, lo, hi int) {
	for u := lo; u < hi; u++ {
		switch j.pass {
		case kmeansPrep:
			j.prep(u)
		case kmeansScreen:
			j.screen(w, u/j.blocks, u%j.blocks)
		default:
			j.sum(w, u/j.parts, u%j.parts)
		}
	}
}

// centroid returns centroid c of kv head h.
func (j *kmeansJob) centroid(h, c int) []float32 {
	o := h*j.centRS + c*j.D
	return j.cents[o : o+j.D : o+j.D]
}

// ktBlocks returns the number of transposed centroid blocks per head.
func (j *kmeansJob) ktBlocks() int { return (j.C + kmeansCols - 1) / kmeansCols }

// ktBlock returns block b of kv head h's transposed centroids (D+1 rows of
// kmeansStride floats).
func (j *kmeansJob) ktBlock(h, b int) []float32 {
	n := (j.D + 1) * kmeansStride
	return j.kt[h][b*n : (b+1)*n]
}

// prep transposes kv head h's centroids into blocks of kmeansCols (row d
// < D holds element d of each centroid, row D holds −n_c/2 with n_c the
// squared norm rounded to float32) and records their largest norm and
// whether one is not finite.
func (j *kmeansJob) prep(h int) {
	r := 0.0
	for c := range j.C {
		kt, i := j.ktBlock(h, c/kmeansCols), c%kmeansCols
		cv := j.centroid(h, c)
		for d, v := range cv {
			kt[d*kmeansStride+i] = v
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				j.poisoned[h] = true
			}
		}
		n2 := vec.KMeansNorm2(cv)
		kt[j.D*kmeansStride+i] = -float32(n2) / 2
		r = max(r, n2)
	}
	if pad := j.C % kmeansCols; pad != 0 {
		kt := j.ktBlock(h, j.C/kmeansCols)
		for d := range j.D + 1 {
			clear(kt[d*kmeansStride+pad : d*kmeansStride+roundCols(pad)])
		}
	}
	j.cNorm[h] = math.Sqrt(r) * (1 + 0x1p-40)
}

// roundCols rounds a block's column count up to a multiple of kmeansVec.
func roundCols(n int) int { return (n + kmeansVec - 1) &^ (kmeansVec - 1) }

// scores sets x[r·xstride+c] to the screen score of centroid c0+c
// (c < nb, within one block) for the rows r of y (D+1 floats each), and
// the columns up to roundCols(nb) to scores of zero columns.
func (j *kmeansJob) scores(x []float32, xstride int, y []float32, h, c0, nb int) {
	vec.DotsT(x, xstride, y, j.D+1, -2, j.ktBlock(h, c0/kmeansCols), kmeansStride, roundCols(nb))
}

// slot returns the pool slot of point i (-1: padding).
func (j *kmeansJob) slot(i int) int {
	if j.idx != nil {
		return int(j.idx[i])
	}
	return j.start + i
}

var posInfF = float32(math.Inf(1))

// kmeansPoint forms the clustered points with the vector kernels.
var kmeansPoint = precision.KMeansKernels{Norm2: vec.KMeansNorm2, Scale: vec.KMeansScale}

// screen labels points [blk·kmeansRows, …) of kv head h on worker w.
func (j *kmeansJob) screen(w, h, blk int) {
	s := &j.work[w]
	D, D1, C := j.D, j.D+1, j.C
	p0 := blk * kmeansRows
	rows := min(kmeansRows, j.N-p0)
	y := s.y[:rows*D1]
	live := false
	for r := range rows {
		yr := y[r*D1 : (r+1)*D1]
		s.yNorm[r] = math.NaN()
		sl := j.slot(p0 + r)
		if sl < 0 {
			clear(yr)
			j.put(h, p0+r, -1, posInfF)
			continue
		}
		yn, ok := kmeansPoint.Point(yr[:D], j.k.load(sl*j.k.rs+h*D, D, s.buf), j.normalize)
		if !ok {
			clear(yr)
			j.put(h, p0+r, -1, float32(math.NaN()))
			continue
		}
		if !j.normalize {
			s.maxAbs[h] = maxAbs(s.maxAbs[h], yr[:D])
		}
		if j.poisoned[h] {
			j.put(h, p0+r, -1, float32(math.NaN()))
			continue
		}
		yr[D] = 1
		s.yNorm[r] = yn
		live = true
	}
	if !live {
		return
	}
	m1, m2, i1 := s.m1[:rows], s.m2[:rows], s.i1[:rows]
	for r := range rows {
		m1[r], m2[r], i1[r] = posInfF, posInfF, -1
	}
	if !math.IsInf(precision.KMeansScreenMargin(D, 0, j.cNorm[h]), 1) {
		for c0 := 0; c0 < C; c0 += kmeansCols {
			nb := min(kmeansCols, C-c0)
			j.scores(s.x, kmeansCols, y, h, c0, nb)
			vec.MinBlock(s.x, kmeansCols, nb, c0, m1, m2, i1)
		}
	}
	for r := range rows {
		yn := s.yNorm[r]
		if math.IsNaN(yn) {
			continue
		}
		yr := y[r*D1 : r*D1+D]
		label, dd := int(i1[r]), -1.0
		t := precision.KMeansScreenMargin(D, yn, j.cNorm[h])
		thr := float64(m1[r]) + t
		switch {
		case math.IsInf(t, 1) || label < 0:
			label, dd = j.nearest(h, yr, nil, 0)
		case !(float64(m2[r]) > thr):
			for c0 := 0; c0 < C; c0 += kmeansCols {
				j.scores(s.rescan[c0:], C, y[r*D1:(r+1)*D1], h, c0, min(kmeansCols, C-c0))
			}
			label, dd = j.nearest(h, yr, s.rescan, thr)
		}
		if j.dist != nil && dd < 0 {
			dd = vec.KMeansDist(yr, j.centroid(h, label))
		}
		j.put(h, p0+r, int32(label), float32(dd))
	}
}

// nearest returns the first centroid of kv head h with the least exact
// distance to y, and that distance, among those whose screen score
// (scores, when not nil) is at most thr.
func (j *kmeansJob) nearest(h int, y, scores []float32, thr float64) (int, float64) {
	best, bd := -1, math.Inf(1)
	for c := range j.C {
		if scores != nil && !(float64(scores[c]) <= thr) {
			continue
		}
		if dd := vec.KMeansDist(y, j.centroid(h, c)); best < 0 || dd < bd {
			best, bd = c, dd
		}
	}
	return best, bd
}

// put writes point i's label and (when asked for) distance for kv head h.
func (j *kmeansJob) put(h, i int, label int32, dist float32) {
	j.labels[h*j.labelsRS+i] = label
	if j.dist != nil {
		j.dist[h*j.distRS+i] = dist
	}
}

// sum forms the sums and counts of part p of kv head h's clusters on
// worker w: a pass over the head's labels adds the fixed-point elements
// of every point labelled in the part.
func (j *kmeansJob) sum(w, h, p int) {
	s := &j.work[w]
	D := j.D
	c0, c1 := p*j.C/j.parts, (p+1)*j.C/j.parts
	n := c1 - c0
	acc := s.acc[:n*D]
	clear(acc)
	cnt := s.cnt[:n]
	clear(cnt)
	scale := precision.KMeansFixedScale(j.q[h])
	y := s.y[:D]
	for i := range j.N {
		l := int(j.labels[h*j.labelsRS+i]) - c0
		if l < 0 || l >= n {
			continue
		}
		kmeansPoint.Point(y, j.k.load(j.slot(i)*j.k.rs+h*D, D, s.buf), j.normalize)
		vec.KMeansAddFixed(acc[l*D:(l+1)*D], y, scale)
		cnt[l]++
	}
	for c := range n {
		out := j.sums[h*j.sumsRS+(c0+c)*D : h*j.sumsRS+(c0+c+1)*D]
		for d, v := range acc[c*D : (c+1)*D] {
			out[d] = precision.KMeansFixedValue(v, j.q[h])
		}
		j.counts[h*j.countsRS+c0+c] = cnt[c]
	}
}

// maxAbs returns the largest of m and the magnitudes of the finite
// values x (compared as integers: the bits of non-negative floats order
// like their values).
func maxAbs(m float32, x []float32) float32 {
	b := math.Float32bits(m)
	for _, v := range x {
		b = max(b, math.Float32bits(v)&0x7fffffff)
	}
	return math.Float32frombits(b)
}
