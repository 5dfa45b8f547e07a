package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/fallback/internal/vec"
	"github.com/rotorkernels/rotor/ops"
)

// Scores computes Out[h, n] = Scale·q[h]·k[slot(n), h/g] for every query
// head h and candidate n (a slot range or an I32 list whose -1 entries
// score -Inf), in float32. Candidates are spread over the pool in blocks;
// each candidate's K row of a kv head is read once for the g query heads
// of that head (bfloat16 rows are widened in registers), so the pool is
// read once, in slot order when the candidates are.
func (b *Backend) Scores(a *ops.ScoresArgs) error {
	if err := ops.CheckScores(a, Name); err != nil {
		return err
	}
	j := getScoresJob()
	defer putScoresJob(j)
	S := a.K.Shape[0]
	j.Hq, j.D, j.Hk = a.Q.Shape[0], a.Q.Shape[1], a.K.Shape[1]
	j.g = j.Hq / j.Hk
	j.N = ops.CandidateCount(&a.Candidates, S)
	if a.Candidates.Indices != nil {
		j.idx, j.idxBuf = denseI32(a.Candidates.Indices, j.idxBuf)
		if err := ops.CheckIndices("candidates.indices", j.idx, S); err != nil {
			return err
		}
	} else {
		j.start = a.Candidates.Start
	}
	j.scale = a.Scale
	if j.scale == 0 {
		j.scale = float32(1 / math.Sqrt(float64(j.D)))
	}
	j.k, j.out, j.outRS = fviewOf(a.K), f32s(a.Out), a.Out.RowStride()
	q := fviewOf(a.Q)
	j.q = growF32(j.q, j.Hq*j.D)
	for h := range j.Hq {
		copy(j.q[h*j.D:(h+1)*j.D], q.load(h*q.rs, j.D, j.q[h*j.D:(h+1)*j.D]))
	}
	w := b.pool.width()
	if len(j.scratch) < w {
		j.scratch = append(j.scratch, make([][]float32, w-len(j.scratch))...)
	}
	b.pool.run(j.N, 64, j)
	return nil
}

// scoresJob is one Scores call; recycled.
type scoresJob struct {
	Hq, Hk, g, D, N int
	q               []float32
	k               fview
	idx             []int32
	start           int
	scale           float32
	out             []float32
	outRS           int
	idxBuf          []int32
	scratch         [][]float32
}

var scoresJobs = make(chan *scoresJob, 8)

func getScoresJob() *scoresJob {
	select {
	case j := <-scoresJobs:
		return j
	default:
		return new(scoresJob)
	}
}

func putScoresJob(j *scoresJob) {
	*j = scoresJob{q: j.q[:0], idxBuf: j.idxBuf[:0], scratch: j.scratch}
	select {
	case scoresJobs <- j:
	default:
	}
}

// run scores candidates [lo, hi) on worker w.
func (j *scoresJob) run(w, lo, hi int) {
	D, g := j.D, j.g
	j.scratch[w] = growF32(j.scratch[w], D+g)
	buf, d := j.scratch[w][:D], j.scratch[w][D:D+g]
	for n := lo; n < hi; n++ {
		s := j.start + n
		if j.idx != nil {
			s = int(j.idx[n])
		}
		if s < 0 {
			for h := range j.Hq {
				j.out[h*j.outRS+n] = negInf
			}
			continue
		}
		for kv := range j.Hk {
			off := s*j.k.rs + kv*D
			q := j.q[kv*g*D : (kv+1)*g*D]
			switch j.k.dt {
			case ops.BF16:
				vec.DotsBF16(d, q, j.k.h[off:off+D])
			default:
				vec.Dots(d, q, j.k.load(off, D, buf))
			}
			for r, v := range d {
				j.out[(kv*g+r)*j.outRS+n] = v * j.scale
			}
		}
	}
}
