package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// Criticality is TokenSelect's soft vote: Out[n] = Σ_h softmax(Scores[h,
// :])[n]. Each head's softmax is max-subtracted, with its normaliser
// summed in float64; -Inf and NaN scores get weight 0; a head whose
// scores are all -Inf or NaN contributes nothing; a head with +Inf scores
// splits its weight 1 equally among them. Two passes over the scores, no
// other array: per head (spread over the pool) its maximum
// (vec.MaxOrdered) and normaliser (vec.ExpSum64, the attention kernels'
// exponential), its row read again from the cache; then per block of
// candidates the weights recomputed and summed over heads in head order
// (vec.SoftVote, the heads with +Inf scores added after).
func (b *Backend) Criticality(a *ops.CriticalityArgs) error {
	if err := ops.CheckCriticality(a, Name); err != nil {
		return err
	}
	j := getCritJob()
	defer putCritJob(j)
	j.Hq, j.N = a.Scores.Shape[0], a.Scores.Shape[1]
	j.s, j.rs = f32s(a.Scores), a.Scores.RowStride()
	j.out, j.outRS = f32s(a.Out), a.Out.RowStride()
	if j.N == 0 {
		return nil
	}
	j.m = grow.Slice(j.m, j.Hq)
	j.inv = grow.Slice(j.inv, j.Hq)
	j.pass = 0
	b.pool.run(j.Hq, 1, j)
	// the heads that weigh: finite maxima for SoftVote, +Inf ones apart
	j.offs, j.vm, j.vinv, j.infs = j.offs[:0], j.vm[:0], j.vinv[:0], j.infs[:0]
	for h, m := range j.m {
		switch {
		case j.inv[h] == 0:
		case m == posInf:
			j.infs = append(j.infs, h)
		default:
			j.offs = append(j.offs, h*j.rs)
			j.vm, j.vinv = append(j.vm, m), append(j.vinv, j.inv[h])
		}
	}
	j.pass = 1
	w := b.pool.width()
	if len(j.sums) < w {
		j.sums = append(j.sums, make([][]float32, w-len(j.sums))...)
	}
	if j.outRS != 1 { // the sums go through scratch: every worker's, before any joins
		for i := range j.sums[:w] {
			j.sums[i] = grow.Slice(j.sums[i], b.pool.chunkLen(j.N, critGrain))
		}
	}
	b.pool.run(j.N, critGrain, j)
	return nil
}

// critGrain is the fewest candidates of one chunk of the vote's pass.
const critGrain = 2048

// critJob is one Criticality call; recycled.
type critJob struct {
	Hq, N  int
	s      []float32
	rs     int
	out    []float32
	outRS  int
	m, inv []float32 // per head: max, 1/normaliser (0: no weight)
	// the heads of finite maximum: row offsets, maxima and factors; the
	// heads of +Inf maximum
	offs     []int
	vm, vinv []float32
	infs     []int
	sums     [][]float32 // per worker
	pass     int
}

var critJobs = jobs[critJob]{limit: 8}

func getCritJob() *critJob { return critJobs.get() }

func putCritJob(j *critJob) {
	*j = critJob{m: j.m[:0], inv: j.inv[:0], offs: j.offs[:0], vm: j.vm[:0], vinv: j.vinv[:0], infs: j.infs[:0], sums: j.sums}
	critJobs.put(j)
}

var posInf = float32(math.Inf(1))

func (j *critJob) run(w, lo, hi int) {
	if j.pass == 0 {
		for h := lo; h < hi; h++ {
			j.head(h)
		}
		return
	}
	sum := j.out[lo:hi]
	if j.outRS != 1 {
		sum = j.sums[w][:hi-lo]
	}
	vec.SoftVote(sum, j.s[lo:], j.offs, j.vm, j.vinv)
	for _, h := range j.infs {
		inv := j.inv[h]
		for i, x := range j.s[h*j.rs+lo : h*j.rs+hi] {
			if x == posInf {
				sum[i] += inv
			}
		}
	}
	if j.outRS != 1 {
		for i, x := range sum {
			j.out[(lo+i)*j.outRS] = x
		}
	}
}

// head computes head h's maximum and its factor: 1/normaliser, 0 for a
// head with no weight, 1/(their count) for +Inf scores.
func (j *critJob) head(h int) {
	row := j.s[h*j.rs : h*j.rs+j.N]
	m := vec.MaxOrdered(row)
	j.m[h] = m
	switch m {
	case negInf:
		j.inv[h] = 0
	case posInf:
		c := 0
		for _, x := range row {
			if x == posInf {
				c++
			}
		}
		j.inv[h] = 1 / float32(c)
	default:
		j.inv[h] = float32(1 / vec.ExpSum64(row, m))
	}
}
