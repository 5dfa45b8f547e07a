package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// Criticality is TokenSelect's soft vote: Out[n] = Σ_h softmax(Scores[h,
// :])[n]. Each head's softmax is max-subtracted, with its normaliser
// summed in float64; -Inf and NaN scores get weight 0; a head whose
// scores are all -Inf or NaN contributes nothing; a head with +Inf scores
// splits its weight 1 equally among them. Two passes over the pool: the
// heads' maxima and normalisers, then the per-candidate sums.
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
	j.pass = 0
	b.pool.run(j.Hq, 1, j)
	j.pass = 1
	if w := b.pool.width(); len(j.sums) < w {
		j.sums = append(j.sums, make([][]float32, w-len(j.sums))...)
	}
	b.pool.run(j.N, 2048, j)
	return nil
}

// critJob is one Criticality call; recycled.
type critJob struct {
	Hq, N  int
	s      []float32
	rs     int
	out    []float32
	outRS  int
	m, inv []float32 // per head: max (+Inf: split among +Inf), 1/normaliser (0: no weight)
	pass   int
	sums   [][]float32 // per worker
}

var critJobs = make(chan *critJob, 8)

func getCritJob() *critJob {
	select {
	case j := <-critJobs:
		return j
	default:
		return new(critJob)
	}
}

func putCritJob(j *critJob) {
	*j = critJob{m: j.m[:0], inv: j.inv[:0], sums: j.sums}
	select {
	case critJobs <- j:
	default:
	}
}

var posInf = float32(math.Inf(1))

func (j *critJob) run(w, lo, hi int) {
	if j.pass == 0 {
		for h := lo; h < hi; h++ {
			j.head(h)
		}
		return
	}
	j.sums[w] = growF32(j.sums[w], hi-lo)
	sum := j.sums[w]
	clear(sum)
	for h := range j.Hq { // head by head: each score row is read in order
		inv, m := j.inv[h], j.m[h]
		if inv == 0 {
			continue
		}
		row := j.s[h*j.rs+lo : h*j.rs+hi]
		if m == posInf {
			for i, x := range row {
				if x == posInf {
					sum[i] += inv
				}
			}
			continue
		}
		for i, x := range row {
			if x == x {
				sum[i] += expf32(x-m) * inv
			}
		}
	}
	for i, x := range sum {
		j.out[(lo+i)*j.outRS] = x
	}
}

// head computes head h's maximum and weight normaliser.
func (j *critJob) head(h int) {
	row := j.s[h*j.rs : h*j.rs+j.N]
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
		for _, x := range row {
			if x == posInf {
				c++
			}
		}
		j.inv[h] = 1 / float32(c)
	default:
		var l float64
		for _, x := range row {
			if x == x {
				l += float64(expf32(x - m))
			}
		}
		j.inv[h] = float32(1 / l)
	}
}
