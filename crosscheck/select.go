package crosscheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func init() {
	Register("scores", checkScores)
	Register("criticality", checkCriticality)
	Register("topk", checkTopK)
	Register("pagemeta", checkPageMeta)
	Register("pagescores", checkPageScores)
}

// selSlots is the pool size of the selection checks.
const selSlots = 4096

// selModel is one selection workload: a model's heads in a dtype.
type selModel struct {
	name          string
	dt            ops.DType
	Hq, Hk, D     int
	q, k          []float32 // one decode query [Hq, D] and the pool [selSlots, Hk, D]
	q64, k64      []float64
	scale         float64 // 1/√D rounded to float32, the ops' Scale 0
	candidateList []int32
}

// selModels returns the selection workloads: every model in bf16 (every
// other one with quick), and the first in f16 and f32 too (not with
// quick), each with its inputs drawn.
func selModels(c *Ctx, salt uint64) []*selModel {
	var ms []*selModel
	rng := rand.New(rand.NewPCG(c.Seed, salt))
	for i, m := range bench.Models() {
		if c.Quick && i%2 == 1 {
			continue
		}
		dts := []ops.DType{ops.BF16}
		if i == 0 && !c.Quick {
			dts = append(dts, ops.F16, ops.F32)
		}
		for _, dt := range dts {
			s := &selModel{name: fmt.Sprintf("%s %s", m.Name, dt), dt: dt, Hq: m.QHeads, Hk: m.KVHeads, D: m.HeadDim}
			s.q = randomRounded(rng, dt, s.Hq*s.D)
			s.k = randomRounded(rng, dt, selSlots*s.Hk*s.D)
			s.q64, s.k64 = widen(s.q), widen(s.k)
			s.scale = float64(float32(1 / math.Sqrt(float64(s.D))))
			// A candidate list: random slots, a tenth padding, and one
			// slot listed twice.
			s.candidateList = make([]int32, 1000)
			for j := range s.candidateList {
				s.candidateList[j] = int32(rng.IntN(selSlots))
				if rng.IntN(10) == 0 {
					s.candidateList[j] = -1
				}
			}
			s.candidateList[7] = s.candidateList[8]
			ms = append(ms, s)
		}
	}
	return ms
}

// checkScores compares Scores over every slot and over a candidate list
// (padding and a duplicate included) with precision.RefScores, within
// its DotBound, and with the reference backend within twice that.
func checkScores(c *Ctx) ([]Result, error) {
	var out []Result
	for _, m := range selModels(c, 0x73636f726573) {
		all := make([]int32, selSlots)
		for s := range all {
			all[s] = int32(s)
		}
		for _, list := range []bool{false, true} {
			slots, what := all, fmt.Sprintf("range of %d slots", selSlots)
			if list {
				slots, what = m.candidateList, fmt.Sprintf("list of %d candidates", len(m.candidateList))
			}
			run := func(b ops.Backend) ([]float64, error) {
				ts := &tensors{b: b}
				defer ts.free()
				a := ops.ScoresArgs{}
				var err error
				if a.Q, err = ts.floats(m.dt, m.q, m.Hq, m.D); err != nil {
					return nil, err
				}
				if a.K, err = ts.floats(m.dt, m.k, selSlots, m.Hk, m.D); err != nil {
					return nil, err
				}
				if list {
					if a.Candidates.Indices, err = ts.ints(slots, len(slots)); err != nil {
						return nil, err
					}
				}
				if a.Out, err = ts.alloc(ops.F32, m.Hq, len(slots)); err != nil {
					return nil, err
				}
				if err := b.Scores(&a); err != nil {
					return nil, err
				}
				return syncDownload(b, a.Out)
			}
			truth := func() ([]float64, boundFunc) {
				want, bound := precision.RefScores(m.q64, m.k64, m.Hq, m.Hk, m.D, slots, m.scale)
				return want, func(i int, _ float64) float64 { return bound[i] }
			}
			rs, err := c.compare("scores", m.name+" "+what, run, truth)
			out = append(out, rs...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// critRows returns Hq rows of n soft-vote scores: scores of the model's
// query against the first n slots, ×4 so that the softmax is peaked,
// rounded to float32, with -Inf entries (padding) in every head, NaN
// entries in one, a head with one +Inf score and one entirely -Inf.
func critRows(m *selModel, n int) []float64 {
	s, _ := precision.RefScores(m.q64, m.k64, m.Hq, m.Hk, m.D, seqSlots(n), 4*m.scale)
	for h := range m.Hq {
		for i := range n {
			x := &s[h*n+i]
			*x = float64(float32(*x))
			switch {
			case i%11 == 5:
				*x = math.Inf(-1)
			case h == 1 && i%13 == 2:
				*x = math.NaN()
			case h == 2:
				*x = math.Inf(-1)
			}
		}
	}
	s[3*n+n/2] = math.Inf(1)
	return s
}

// seqSlots returns the slots 0 … n-1.
func seqSlots(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

// checkCriticality compares the soft vote of critRows with
// precision.RefCriticality (whose bound follows the CUDA kernels' float32
// arithmetic) and with the reference backend within the sum of both
// bounds.
func checkCriticality(c *Ctx) ([]Result, error) {
	var out []Result
	for _, m := range selModels(c, 0x63726974) {
		if m.dt != ops.BF16 {
			continue // the scores are float32 whatever the pool's dtype
		}
		n := selSlots
		s := critRows(m, n)
		s32 := make([]float32, len(s))
		for i, x := range s {
			s32[i] = float32(x)
		}
		run := func(b ops.Backend) ([]float64, error) {
			ts := &tensors{b: b}
			defer ts.free()
			sc, err := ts.floats(ops.F32, s32, m.Hq, n)
			if err != nil {
				return nil, err
			}
			o, err := ts.alloc(ops.F32, n)
			if err != nil {
				return nil, err
			}
			if err := b.Criticality(&ops.CriticalityArgs{Scores: sc, Out: o}); err != nil {
				return nil, err
			}
			return syncDownload(b, o)
		}
		truth := func() ([]float64, boundFunc) {
			want, bound, _ := precision.RefCriticality(s, m.Hq, n)
			return want, func(i int, _ float64) float64 { return bound[i] }
		}
		rs, err := c.compare("criticality", fmt.Sprintf("%s heads=%d N=%d", m.name, m.Hq, n), run, truth)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// checkTopK selects the top 256 and 2048 of each kv head's row of scores
// (critRows of the pool, NaN, -Inf and ties included), with and without
// a slot map, and compares the indices exactly with precision.RefTopK and
// the reference backend.
func checkTopK(c *Ctx) ([]Result, error) {
	var out []Result
	for _, m := range selModels(c, 0x746f706b) {
		if m.dt != ops.BF16 {
			continue
		}
		n, R := selSlots, m.Hk
		s := critRows(m, n)[:R*n]
		for i := range s {
			if i%97 == 3 {
				s[i] = s[i-1] // ties
			}
		}
		s32 := make([]float32, len(s))
		for i, x := range s {
			s32[i] = float32(x)
		}
		slotMap := make([]int32, n)
		for i := range slotMap {
			slotMap[i] = int32(3*i + 1)
		}
		for _, K := range []int{256, 2048} {
			for _, mapped := range []bool{false, true} {
				run := func(b ops.Backend) ([]float64, error) {
					ts := &tensors{b: b}
					defer ts.free()
					a := ops.TopKArgs{K: K}
					var err error
					if a.Scores, err = ts.floats(ops.F32, s32, R, n); err != nil {
						return nil, err
					}
					if mapped {
						if a.Map, err = ts.ints(slotMap, n); err != nil {
							return nil, err
						}
					}
					if a.Out, err = ts.alloc(ops.I32, R, K); err != nil {
						return nil, err
					}
					if err := b.TopK(&a); err != nil {
						return nil, err
					}
					return syncDownloadI32(b, a.Out)
				}
				truth := func() []float64 {
					var want []float64
					var mp []int32
					if mapped {
						mp = slotMap
					}
					for r := range R {
						for _, x := range precision.RefTopK(precision.TopKOrder(s[r*n:(r+1)*n]), K, mp) {
							want = append(want, float64(x))
						}
					}
					return want
				}
				rs, err := c.compare("topk", fmt.Sprintf("%s rows=%d N=%d K=%d map=%v", m.name, R, n, K, mapped), run, exactTruth(truth))
				out = append(out, rs...)
				if err != nil {
					return out, err
				}
			}
		}
	}
	return out, nil
}

// pageSize is the Quest page size of the page checks.
const pageSize = 16

// checkPageMeta computes Quest page metadata of the pool's slots up to
// 5 before its end (a partial last page) and compares the minima and
// maxima exactly with precision.RefPageMeta and the reference backend.
func checkPageMeta(c *Ctx) ([]Result, error) {
	var out []Result
	for _, m := range selModels(c, 0x706d657461) {
		to := selSlots - 5
		pages := ops.PageCount(selSlots, pageSize)
		run := func(b ops.Backend) ([]float64, error) {
			mn, mx, err := pageMeta(b, m, to)
			return append(mn, mx...), err
		}
		truth := func() []float64 {
			mn, mx := precision.RefPageMeta(m.k64, selSlots, m.Hk, m.D, pageSize, to)
			return append(mn, mx...)
		}
		rs, err := c.compare("pagemeta", fmt.Sprintf("%s pages=%d of %d slots, to=%d", m.name, pages, pageSize, to), run, exactTruth(truth))
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// pageMeta runs PageMeta of the model's pool over slots [0, to) on b,
// with untouched pages initialised to +Inf and -Inf as RefPageMeta
// leaves them.
func pageMeta(b ops.Backend, m *selModel, to int) (mn, mx []float64, err error) {
	ts := &tensors{b: b}
	defer ts.free()
	pages := ops.PageCount(selSlots, pageSize)
	init := func(v float64) []float32 {
		x := make([]float32, pages*m.Hk*m.D)
		for i := range x {
			x[i] = float32(v)
		}
		return x
	}
	a := ops.PageMetaArgs{PageSize: pageSize, To: to}
	if a.K, err = ts.floats(m.dt, m.k, selSlots, m.Hk, m.D); err != nil {
		return nil, nil, err
	}
	if a.Min, err = ts.floats(ops.F32, init(math.Inf(1)), pages, m.Hk, m.D); err != nil {
		return nil, nil, err
	}
	if a.Max, err = ts.floats(ops.F32, init(math.Inf(-1)), pages, m.Hk, m.D); err != nil {
		return nil, nil, err
	}
	if err := b.PageMeta(&a); err != nil {
		return nil, nil, err
	}
	if mn, err = syncDownload(b, a.Min); err != nil {
		return nil, nil, err
	}
	mx, err = download64(b, a.Max)
	return mn, mx, err
}

// checkPageScores computes Quest's page bounds of the model's query over
// every page of the exact page metadata (precision.RefPageMeta) and
// compares them with precision.RefPageScores, within its DotBound, and
// with the reference backend within twice that.
func checkPageScores(c *Ctx) ([]Result, error) {
	var out []Result
	for _, m := range selModels(c, 0x7073636f726573) {
		pages := ops.PageCount(selSlots, pageSize)
		mn, mx := precision.RefPageMeta(m.k64, selSlots, m.Hk, m.D, pageSize, selSlots)
		run := func(b ops.Backend) ([]float64, error) {
			ts := &tensors{b: b}
			defer ts.free()
			a := ops.PageScoresArgs{Pages: pages}
			var err error
			if a.Q, err = ts.floats(m.dt, m.q, m.Hq, m.D); err != nil {
				return nil, err
			}
			if a.Min, err = ts.floats(ops.F32, narrow(mn), pages, m.Hk, m.D); err != nil {
				return nil, err
			}
			if a.Max, err = ts.floats(ops.F32, narrow(mx), pages, m.Hk, m.D); err != nil {
				return nil, err
			}
			if a.Out, err = ts.alloc(ops.F32, m.Hq, pages); err != nil {
				return nil, err
			}
			if err := b.PageScores(&a); err != nil {
				return nil, err
			}
			return syncDownload(b, a.Out)
		}
		truth := func() ([]float64, boundFunc) {
			want, bound := precision.RefPageScores(m.q64, mn, mx, m.Hq, m.Hk, m.D, pages, m.scale)
			return want, func(i int, _ float64) float64 { return bound[i] }
		}
		rs, err := c.compare("pagescores", fmt.Sprintf("%s pages=%d of %d slots", m.name, pages, pageSize), run, truth)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// narrow returns x as float32 (exact for values that came from float32).
func narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// syncDownload waits for b and reads a float tensor widened to float64.
func syncDownload(b ops.Backend, t *ops.Tensor) ([]float64, error) {
	if err := b.Sync(); err != nil {
		return nil, err
	}
	return download64(b, t)
}

// syncDownloadI32 waits for b and reads an I32 tensor as float64.
func syncDownloadI32(b ops.Backend, t *ops.Tensor) ([]float64, error) {
	if err := b.Sync(); err != nil {
		return nil, err
	}
	return downloadI32(b, t)
}

// downloadI32 reads an I32 tensor as float64.
func downloadI32(b ops.Backend, t *ops.Tensor) ([]float64, error) {
	x := make([]int32, t.Len())
	if err := b.Read(ops.Bytes(x), t); err != nil {
		return nil, err
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out, nil
}
