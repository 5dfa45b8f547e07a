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
// splits its weight 1 equally among them. Two passes: per head (spread
// over the pool) the maximum, then the exponentials (vec.ExpShift, the
// attention kernels' exponential), kept, and their sum; per block of
// candidates the weights summed over heads (vec.Axpy).
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
	j.e = growF32(j.e, j.Hq*j.N)
	j.pass = 0
	b.pool.run(j.Hq, 1, j)
	j.pass = 1
	w := b.pool.width()
	if len(j.sums) < w {
		j.sums = append(j.sums, make([][]float32, w-len(j.sums))...)
	}
	for i := range j.sums[:w] { // every worker's, before any joins
		j.sums[i] = growF32(j.sums[i], b.pool.chunkLen(j.N, critGrain))
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
	m, inv []float32   // per head: max, 1/normaliser (0: no weight)
	e      []float32   // [Hq, N]: the unnormalised weights
	sums   [][]float32 // per worker
	pass   int
}

var critJobs = jobs[critJob]{limit: 8}

func getCritJob() *critJob { return critJobs.get() }

func putCritJob(j *critJob) {
	*j = critJob{m: j.m[:0], inv: j.inv[:0], e: j.e[:0], sums: j.sums}
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
	sum := j.sums[w][:hi-lo]
	clear(sum)
	for h := range j.Hq { // head by head: each weight row is read in order
		inv := j.inv[h]
		if inv == 0 {
			continue
		}
		vec.Axpy(inv, j.e[h*j.N+lo:h*j.N+hi], sum)
	}
	for i, x := range sum {
		j.out[(lo+i)*j.outRS] = x
	}
}

// head computes head h's maximum, its unnormalised weights (into j.e)
// and their normaliser.
func (j *critJob) head(h int) {
	row := j.s[h*j.rs : h*j.rs+j.N]
	e := j.e[h*j.N : (h+1)*j.N]
	m := negInf
	for _, x := range row {
		if x > m { // NaN never compares greater
			m = x
		}
	}
	j.m[h] = m
	switch m {
	case negInf:
		j.inv[h] = 0
	case posInf:
		c := 0
		for i, x := range row {
			e[i] = 0
			if x == posInf {
				e[i] = 1
				c++
			}
		}
		j.inv[h] = 1 / float32(c)
	default:
		// in chunks that stay in the L1 cache from the copy to the sum
		var l float64
		for c := 0; c < len(row); c += critChunk {
			ec := e[c:min(c+critChunk, len(row))]
			for i, x := range row[c : c+len(ec)] {
				if x != x { // NaN: weight 0, as -Inf
					x = negInf
				}
				ec[i] = x
			}
			vec.ExpShift(ec, m) // ec[i] = expf32(x − m), bit for bit
			l += sum64(ec)
		}
		j.inv[h] = float32(1 / l)
	}
}

// critChunk is how many weights of a head Criticality makes at a time.
const critChunk = 2048

// sum64 returns Σ x[i] accumulated in float64 (four partial sums, so that
// the additions pipeline).
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}
