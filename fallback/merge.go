package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// Merge combines two attention results over disjoint key sets into the
// result over their union (split-KV, sink + selected, DCA chunks): per
// row, with m = max(LSE1, LSE2) and w_i = e^(LSE_i - m),
//
//	O   = (w1·O1 + w2·O2) / (w1 + w2)
//	LSE = m + log(w1 + w2)
//
// in float32 with the weights formed in float64, O rounded once to its
// dtype. A side whose LSE is -Inf (an empty key set) gets weight 0 and
// its O is not read into the result; when both are -Inf, O = 0 and LSE =
// -Inf. Every other side counts, even when its weight rounds to 0, so a
// NaN in its O reaches the result; a NaN LSE (a partial result that met
// a NaN) makes the row's O and LSE NaN. An LSE of +Inf fails with
// ErrRange before anything is written. O may alias O1 or O2.
func (b *Backend) Merge(a *ops.MergeArgs) error {
	if err := ops.CheckMerge(a, Name); err != nil {
		return err
	}
	j := getMergeJob()
	defer putMergeJob(j)
	j.rows, j.Hq, j.Dv = a.O1.Shape[0]*a.O1.Shape[1], a.O1.Shape[1], a.O1.Shape[2]
	j.lse1, j.buf1 = denseF32(a.LSE1, j.buf1)
	j.lse2, j.buf2 = denseF32(a.LSE2, j.buf2)
	if err := ops.CheckLSEValues("lse1", j.lse1); err != nil {
		return err
	}
	if err := ops.CheckLSEValues("lse2", j.lse2); err != nil {
		return err
	}
	j.o1, j.o2, j.o = fviewOf(a.O1), fviewOf(a.O2), fviewOf(a.O)
	j.lse, j.lseRS = f32s(a.LSE), a.LSE.RowStride()
	if j.rows == 0 {
		return nil
	}
	w := b.pool.width()
	if len(j.scratch) < w {
		j.scratch = append(j.scratch, make([]mergeScratch, w-len(j.scratch))...)
	}
	for i := range j.scratch[:w] { // every worker's, before any joins
		sc := &j.scratch[i]
		sc.a, sc.b = grow.Slice(sc.a, j.Dv), grow.Slice(sc.b, j.Dv)
	}
	b.pool.run(j.rows, max(1, 4096/max(j.Dv, 1)), j)
	return nil
}

// mergeJob is one Merge call over rows (t, h); recycled.
type mergeJob struct {
	rows, Hq, Dv int
	o1, o2, o    fview
	lse1, lse2   []float32
	lse          []float32
	lseRS        int
	buf1, buf2   []float32
	scratch      []mergeScratch
}

type mergeScratch struct{ a, b []float32 }

var mergeJobs = jobs[mergeJob]{limit: 8}

func getMergeJob() *mergeJob { return mergeJobs.get() }

func putMergeJob(j *mergeJob) {
	*j = mergeJob{buf1: j.buf1[:0], buf2: j.buf2[:0], scratch: j.scratch}
	mergeJobs.put(j)
}

// run merges rows [lo, hi) on worker w.
func (j *mergeJob) run(w, lo, hi int) {
	sc := &j.scratch[w]
	for r := lo; r < hi; r++ {
		t, h := r/j.Hq, r%j.Hq
		l1, l2 := float64(j.lse1[r]), float64(j.lse2[r])
		m := max(l1, l2)
		out := sc.a
		lse := math.Inf(-1)
		if math.IsInf(m, -1) {
			clear(out)
		} else {
			w1, w2 := math.Exp(l1-m), math.Exp(l2-m)
			den := w1 + w2
			c1, c2 := float32(w1/den), float32(w2/den)
			x := j.o1.load(t*j.o1.rs+h*j.Dv, j.Dv, sc.a)
			y := j.o2.load(t*j.o2.rs+h*j.Dv, j.Dv, sc.b)
			for d := range out {
				var s float32
				if !math.IsInf(l1, -1) {
					s = c1 * x[d]
				}
				if !math.IsInf(l2, -1) {
					s += c2 * y[d]
				}
				out[d] = s
			}
			lse = m + math.Log(den)
		}
		j.o.store(t*j.o.rs+h*j.Dv, out)
		j.lse[t*j.lseRS+h] = float32(lse)
	}
}
