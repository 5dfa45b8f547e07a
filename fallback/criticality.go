package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/ops"
)

// Criticality is TokenSelect's soft vote: Out[n] = Σ_h softmax(Scores[h,
// :])[n]. Each head's softmax is max-subtracted, with its normaliser
// summed in float64; -Inf and NaN scores get weight 0; a head whose
// scores are all -Inf or NaN contributes nothing; a head with +Inf scores
// splits its weight 1 equally among them. Each score's exponential is
// computed once. The heads are taken in groups whose weights fit in a
// scratch of critGroupBytes (kept with the call's recycled state, so
// they are read back from the cache): per head of a group (spread over
// the pool) its maximum (vec.MaxOrdered), then its weights Exp(s − max)
// written to the scratch while its normaliser is summed (vec.ExpStore64,
// the attention kernels' exponential), the row read again from the
// cache; then per block of candidates the group's weights times
// 1/normaliser added to the sums in head order (vec.Accumulate, FMA),
// and after the last group the heads with +Inf scores. The result has
// the bits of the composition vec.MaxOrdered, vec.ExpSum64 and
// vec.SoftVote at the same SIMD level.
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
	j.m = growF32(j.m, j.Hq)
	j.inv = growF32(j.inv, j.Hq)
	group := max(1, min(j.Hq, critGroupBytes/(4*j.N)))
	j.wts = growF32(j.wts, group*j.N)
	j.sum = j.out
	if j.outRS != 1 { // the sums go through scratch, copied out at the end
		j.acc = growF32(j.acc, j.N)
		j.sum = j.acc
	}
	j.infs = j.infs[:0]
	for j.g0 = 0; j.g0 < j.Hq; j.g0 += group {
		j.g1 = min(j.g0+group, j.Hq)
		j.pass = 0
		b.pool.run(j.g1-j.g0, 1, j)
		// the heads that weigh: finite maxima by their weights, +Inf ones
		// apart (added after every group)
		j.offs, j.vinv = j.offs[:0], j.vinv[:0]
		for h := j.g0; h < j.g1; h++ {
			switch {
			case j.inv[h] == 0:
			case j.m[h] == posInf:
				j.infs = append(j.infs, h)
			default:
				j.offs, j.vinv = append(j.offs, (h-j.g0)*j.N), append(j.vinv, j.inv[h])
			}
		}
		j.pass = 1
		b.pool.run(j.N, critGrain, j)
	}
	return nil
}

// critGrain is the fewest candidates of one chunk of the vote's pass.
const critGrain = 2048

// critGroupBytes bounds the weights of one group of heads: small enough
// to be read back from the last-level cache, large enough that a group
// spreads over the pool (8 heads of 128k candidates). A variable so that
// tests can make groups of few heads.
var critGroupBytes = 4 << 20

// critJob is one Criticality call; recycled.
type critJob struct {
	Hq, N  int
	s      []float32
	rs     int
	out    []float32
	outRS  int
	m, inv []float32 // per head: max, 1/normaliser (0: no weight)
	g0, g1 int       // the group of heads [g0, g1)
	wts    []float32 // [g1-g0, N]: the group's weights
	// the group's heads of finite maximum: offsets of their weights and
	// their factors; every head of +Inf maximum so far
	offs []int
	vinv []float32
	infs []int
	acc  []float32 // the sums of a strided Out
	sum  []float32 // the sums: Out or acc
	pass int
}

var critJobs = jobs[critJob]{limit: 8}

func getCritJob() *critJob { return critJobs.get() }

func putCritJob(j *critJob) {
	*j = critJob{m: j.m[:0], inv: j.inv[:0], wts: j.wts[:0], offs: j.offs[:0], vinv: j.vinv[:0], infs: j.infs[:0], acc: j.acc[:0]}
	critJobs.put(j)
}

var posInf = float32(math.Inf(1))

func (j *critJob) run(_, lo, hi int) {
	if j.pass == 0 {
		for h := j.g0 + lo; h < j.g0+hi; h++ {
			j.head(h)
		}
		return
	}
	sum := j.sum[lo:hi]
	if j.g0 == 0 {
		clear(sum)
	}
	if len(j.offs) > 0 {
		vec.Accumulate(sum, hi-lo, j.vinv, 0, j.wts[lo:], j.offs)
	}
	if j.g1 < j.Hq {
		return
	}
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
// head with no weight, 1/(their count) for +Inf scores; a head of finite
// maximum also gets its weights, row h−g0 of the group's scratch.
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
		w := j.wts[(h-j.g0)*j.N : (h-j.g0+1)*j.N]
		j.inv[h] = float32(1 / vec.ExpStore64(w, row, m))
	}
}
