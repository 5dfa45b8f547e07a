package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// PageScores computes Quest's upper bound Out[h, p] = Scale·Σ_d
// max(q[h,d]·Min[p,kv,d], q[h,d]·Max[p,kv,d]) (kv = h/g) for pages
// [0, Pages), in float32, spread over the pool in chunks of
// pageScoresChunk pages: per kv head one vec.PageBounds call forms the
// bounds of its g query heads over the chunk in the worker's scratch,
// which vec.CopyRowsStream writes to Out (as Scores does). (Prefetching
// the next chunk's page rows in software measured slower: the hardware
// prefetchers follow the rows of a chunk.)
func (b *Backend) PageScores(a *ops.PageScoresArgs) error {
	if err := ops.CheckPageScores(a, Name); err != nil {
		return err
	}
	if a.Q.Shape[0] == 0 || a.Pages == 0 { // Out is empty: its memory may be any size
		return nil
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
	j.q = grow.Slice(j.q, j.Hq*j.D)
	for h := range j.Hq {
		copy(j.q[h*j.D:(h+1)*j.D], q.load(h*q.rs, j.D, j.q[h*j.D:(h+1)*j.D]))
	}
	j.min, j.minRS = f32s(a.Min), a.Min.RowStride()
	j.max, j.maxRS = f32s(a.Max), a.Max.RowStride()
	j.out, j.outRS = f32s(a.Out), a.Out.RowStride()
	w := b.pool.width()
	if len(j.scratch) < w {
		j.scratch = append(j.scratch, make([][]float32, w-len(j.scratch))...)
	}
	for i := range j.scratch[:w] { // every worker's, before any joins
		j.scratch[i] = grow.Slice(j.scratch[i], j.Hq*pageScoresChunk)
	}
	b.pool.run(a.Pages, pageScoresChunk, j)
	return nil
}

// pageScoresChunk is how many pages' bounds a worker forms before writing
// them out: a whole cache line of each Out row (64 pages measured
// slower).
const pageScoresChunk = 16

// pageScoresJob is one PageScores call; recycled.
type pageScoresJob struct {
	Hq, Hk, g, D int
	scale        float32
	q            []float32
	min, max     []float32
	minRS, maxRS int
	out          []float32
	outRS        int
	scratch      [][]float32
}

var pageScoresJobs = jobs[pageScoresJob]{limit: 8}

func getPageScoresJob() *pageScoresJob { return pageScoresJobs.get() }

func putPageScoresJob(j *pageScoresJob) {
	*j = pageScoresJob{q: j.q[:0], scratch: j.scratch}
	pageScoresJobs.put(j)
}

// run scores pages [lo, hi) on worker w, pageScoresChunk at a time.
func (j *pageScoresJob) run(w, lo, hi int) {
	D, g, C := j.D, j.g, pageScoresChunk
	xs := j.scratch[w]
	var offs [pageScoresChunk]int
	for p0 := lo; p0 < hi; p0 += C {
		cnt := min(C, hi-p0)
		for kv := range j.Hk {
			x, q := xs[kv*g*cnt:(kv+1)*g*cnt], j.q[kv*g*D:(kv+1)*g*D]
			if j.minRS != j.maxRS { // rows at different offsets: page by page
				for i := range cnt {
					p := p0 + i
					vec.PageBounds(x[i:], cnt, q, D, j.scale, j.min[p*j.minRS+kv*D:], j.max[p*j.maxRS+kv*D:], []int{0})
				}
				continue
			}
			o := offs[:cnt]
			for i := range o {
				o[i] = (p0+i)*j.minRS + kv*D
			}
			vec.PageBounds(x, cnt, q, D, j.scale, j.min, j.max, o)
		}
		vec.CopyRowsStream(j.out[p0:], j.outRS, xs[:j.Hq*cnt], cnt)
	}
	vec.StoreFence()
}
