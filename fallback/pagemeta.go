package fallback

import "github.com/rotorkernels/rotor/ops"

// PageMeta recomputes Quest's page metadata for every page touched by
// slots [From, To): Min[p, kv, :] and Max[p, kv, :] become the
// element-wise minimum and maximum of the widened keys of the page's
// slots below To. Pages outside the range are left as they are, so
// appending slots [n, n+m) after a call over [0, n) updates the metadata
// incrementally. A NaN key element makes that page's element NaN. Work
// is spread over the pool by (page, kv head).
func (b *Backend) PageMeta(a *ops.PageMetaArgs) error {
	if err := ops.CheckPageMeta(a, Name); err != nil {
		return err
	}
	if a.From == a.To || a.Min.Len() == 0 { // nothing to recompute
		return nil
	}
	j := getPageMetaJob()
	defer putPageMetaJob(j)
	j.Hk, j.D, j.P, j.to = a.K.Shape[1], a.K.Shape[2], a.PageSize, a.To
	j.p0 = a.From / a.PageSize
	pages := (a.To-1)/a.PageSize - j.p0 + 1
	j.k = fviewOf(a.K)
	j.min, j.minRS = f32s(a.Min), a.Min.RowStride()
	j.max, j.maxRS = f32s(a.Max), a.Max.RowStride()
	if w := b.pool.width(); len(j.scratch) < w {
		j.scratch = append(j.scratch, make([][]float32, w-len(j.scratch))...)
	}
	b.pool.run(pages*j.Hk, max(1, 4096/(j.P*j.D+1)), j)
	return nil
}

// pageMetaJob is one PageMeta call; recycled.
type pageMetaJob struct {
	Hk, D, P, p0, to int
	k                fview
	min, max         []float32
	minRS, maxRS     int
	scratch          [][]float32
}

var pageMetaJobs = make(chan *pageMetaJob, 8)

func getPageMetaJob() *pageMetaJob {
	select {
	case j := <-pageMetaJobs:
		return j
	default:
		return new(pageMetaJob)
	}
}

func putPageMetaJob(j *pageMetaJob) {
	*j = pageMetaJob{scratch: j.scratch}
	select {
	case pageMetaJobs <- j:
	default:
	}
}

// run recomputes items [lo, hi) = (page, kv head) pairs on worker w.
func (j *pageMetaJob) run(w, lo, hi int) {
	j.scratch[w] = growF32(j.scratch[w], j.D)
	buf := j.scratch[w]
	for it := lo; it < hi; it++ {
		p, kv := j.p0+it/j.Hk, it%j.Hk
		mn := j.min[p*j.minRS+kv*j.D : p*j.minRS+(kv+1)*j.D]
		mx := j.max[p*j.maxRS+kv*j.D : p*j.maxRS+(kv+1)*j.D]
		first, end := p*j.P, min((p+1)*j.P, j.to)
		k := j.k.load(first*j.k.rs+kv*j.D, j.D, buf)
		copy(mn, k)
		copy(mx, k)
		for s := first + 1; s < end; s++ {
			k := j.k.load(s*j.k.rs+kv*j.D, j.D, buf)
			for d, x := range k {
				mn[d] = min(mn[d], x)
				mx[d] = max(mx[d], x)
			}
		}
	}
}
