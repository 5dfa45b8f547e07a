package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// PageScores computes Quest's upper bound Out[h, p] = Scale·Σ_d
// max(q[h,d]·Min[p,kv,d], q[h,d]·Max[p,kv,d]) (kv = h/g) for pages
// [0, Pages), in float32, pages spread over the pool.
func (b *Backend) PageScores(a *ops.PageScoresArgs) error {
	if err := ops.CheckPageScores(a, Name); err != nil {
		return err
	}
	j := getPageScoresJob()
	defer putPageScoresJob(j)
	j.Hq, j.D, j.Hk = a.Q.Shape[0], a.Q.Shape[1], a.Min.Shape[1]
	j.g = j.Hq / j.Hk
	j.scale = a.Scale
	if j.scale == 0 {
		j.scale = float32(1 / math.Sqrt(float64(j.D)))
	}
	q := fviewOf(a.Q)
	j.q = growF32(j.q, j.Hq*j.D)
	for h := range j.Hq {
		copy(j.q[h*j.D:(h+1)*j.D], q.load(h*q.rs, j.D, j.q[h*j.D:(h+1)*j.D]))
	}
	j.min, j.minRS = f32s(a.Min), a.Min.RowStride()
	j.max, j.maxRS = f32s(a.Max), a.Max.RowStride()
	j.out, j.outRS = f32s(a.Out), a.Out.RowStride()
	b.pool.run(a.Pages, max(1, 8192/(j.Hq*j.D+1)), j)
	return nil
}

// pageScoresJob is one PageScores call; recycled.
type pageScoresJob struct {
	Hq, Hk, g, D int
	scale        float32
	q            []float32
	min, max     []float32
	minRS, maxRS int
	out          []float32
	outRS        int
}

var pageScoresJobs = jobs[pageScoresJob]{limit: 8}

func getPageScoresJob() *pageScoresJob { return pageScoresJobs.get() }

func putPageScoresJob(j *pageScoresJob) {
	*j = pageScoresJob{q: j.q[:0]}
	pageScoresJobs.put(j)
}

// run scores pages [lo, hi).
func (j *pageScoresJob) run(_, lo, hi int) {
	D := j.D
	for p := lo; p < hi; p++ {
		for kv := range j.Hk {
			mn := j.min[p*j.minRS+kv*D : p*j.minRS+(kv+1)*D]
			mx := j.max[p*j.maxRS+kv*D : p*j.maxRS+(kv+1)*D]
			for h := kv * j.g; h < (kv+1)*j.g; h++ {
				q := j.q[h*D : (h+1)*D]
				var s float32
				for d, x := range q {
					s += max(x*mn[d], x*mx[d])
				}
				j.out[h*j.outRS+p] = s * j.scale
			}
		}
	}
}
