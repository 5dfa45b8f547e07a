package sparse

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/rotorkernels/rotor/ops"
)

// DefaultKMeansIter is the default cap on k-means rounds.
const DefaultKMeansIter = 100

// SqueezedConfig configures a Squeezed Attention policy.
type SqueezedConfig struct {
	// Clusters is the number of k-means clusters per kv head, in
	// [1, Len-Local].
	Clusters int
	// Threshold, when > 0, keeps the clusters whose estimated attention
	// probability per key (the centroid's softmax weight, see Squeezed)
	// exceeds it. It must lie in [0, 1).
	Threshold float64
	// Budget, when > 0, caps the clustered tokens kept per kv head: the
	// best clusters (among those passing Threshold) are taken in order of
	// estimated probability while they fit. At least one of Threshold and
	// Budget must be set.
	Budget int
	// Local is the number of last tokens of the fixed context that are
	// always attended and not clustered (the observation window).
	Local int
	// Scale multiplies q·centroid; 0 means 1/sqrt(D).
	Scale float32
	// Seed keys the k-means++ seeding; equal seeds give equal clusters.
	Seed uint64
	// MaxIter caps the k-means rounds; 0 means DefaultKMeansIter.
	MaxIter int
}

// Squeezed is the Squeezed Attention policy for a fixed context (a
// document or code base shared by many queries).
//
// Offline, NewSqueezed clusters the context's keys with k-means per kv
// head: on the L2-normalised keys, k-means++ seeding with a fixed seed,
// Lloyd rounds; each cluster is represented by the mean of its raw keys.
// Online, Select scores the centroids with Backend.Scores and turns the
// scores into an estimated attention probability per key, as if every
// key carried its centroid's logit:
//
//	p(j) = exp(s_j) / Σ_i N_i exp(s_i),  s_j = Scale·q·c_j,
//
// with N_i the size of cluster i, averaged over the query heads of the
// kv head's group and over the query tokens. The kept clusters are
// expanded to their slots, followed by the Local last tokens.
//
// Selections are per kv head, [Hk, W], slots in token order, -1 padded,
// with W = Budget+Local when a budget is set and the whole context
// otherwise. They cover the fixed context only: tokens appended after it
// are meant to be attended densely and combined with Backend.Merge.
type Squeezed struct {
	b         ops.Backend
	cfg       SqueezedConfig
	ctx       Context
	hk, d, n  int         // kv heads, head dim, clustered tokens
	slots     []int32     // slot of every context token
	members   [][][]int32 // [kv][cluster] token indices, ascending
	iters     []int       // k-means rounds run per kv head
	centroids *ops.Tensor // [Clusters, Hk, D], the keys' dtype
	out       rows
	score     scratch
}

// NewSqueezed clusters the keys of the fixed context ctx on backend b (not
// nil). Errors wrap ops.ErrRange for bad counts, thresholds or NaN keys,
// ops.ErrConfig for a nil backend.
func NewSqueezed(b ops.Backend, ctx Context, cfg SqueezedConfig) (*Squeezed, error) {
	if err := checkBackend(b); err != nil {
		return nil, err
	}
	hk, d, err := ctx.check(b.Name())
	if err != nil {
		return nil, err
	}
	if err := checkCount("local", cfg.Local); err != nil {
		return nil, err
	}
	if err := checkCount("budget", cfg.Budget); err != nil {
		return nil, err
	}
	n := ctx.Len - cfg.Local
	if cfg.Clusters <= 0 || cfg.Clusters > n {
		return nil, ops.Errorf(ops.ErrRange, "clusters", cfg.Clusters, "want k-means clusters in [1, %d clustered keys]", max(n, 0))
	}
	if t := cfg.Threshold; math.IsNaN(t) || t < 0 || t >= 1 {
		return nil, ops.Errorf(ops.ErrRange, "threshold", t, "want a probability in [0, 1)")
	}
	if cfg.Threshold == 0 && cfg.Budget == 0 {
		return nil, ops.Errorf(ops.ErrRange, "budget", cfg.Budget, "want a threshold > 0 or a budget > 0")
	}
	if err := checkScale(cfg.Scale); err != nil {
		return nil, err
	}
	if cfg.MaxIter < 0 {
		return nil, ops.Errorf(ops.ErrRange, "max_iter", cfg.MaxIter, "want ≥ 0")
	}
	if cfg.MaxIter == 0 {
		cfg.MaxIter = DefaultKMeansIter
	}
	p := &Squeezed{b: b, cfg: cfg, ctx: ctx, hk: hk, d: d, n: n, score: scratch{dt: ops.F32}}
	if p.slots, err = ctx.hostSlots(b, 0, ctx.Len); err != nil {
		return nil, err
	}
	keys, err := p.readKeys()
	if err != nil {
		return nil, err
	}
	for i, v := range keys {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, ops.Errorf(ops.ErrRange, "ctx.k", v, "key element %d of the fixed context is not finite", i)
		}
	}
	cent := p.cluster(keys)
	if p.centroids, err = b.Alloc(ctx.K.DType, cfg.Clusters, hk, d); err != nil {
		return nil, err
	}
	if err := b.Write(p.centroids, floatBytes(ctx.K.DType, cent)); err != nil {
		return nil, err
	}
	return p, nil
}

// readKeys copies the clustered keys [n, Hk, D] to the host.
func (p *Squeezed) readKeys() ([]float32, error) {
	k := p.ctx.K
	if p.ctx.Slots == nil {
		return readFloats(p.b, k.RowRange(p.ctx.Start, p.ctx.Start+p.n))
	}
	w := p.hk * p.d
	out := make([]float32, 0, p.n*w)
	for _, s := range p.slots[:p.n] {
		row, err := readFloats(p.b, k.RowRange(int(s), int(s)+1))
		if err != nil {
			return nil, err
		}
		out = append(out, row...)
	}
	return out, nil
}

// cluster runs k-means per kv head (in parallel, each head with its own
// seed, so the result does not depend on scheduling) and returns the
// centroids [Clusters, Hk, D]: the mean raw key of each cluster.
func (p *Squeezed) cluster(keys []float32) []float32 {
	hk, d, n, c := p.hk, p.d, p.n, p.cfg.Clusters
	cent := make([]float32, c*hk*d)
	p.members = make([][][]int32, hk)
	p.iters = make([]int, hk)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for h := range hk {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			x := make([]float32, n*d)
			for i := range n {
				src, dst := keys[(i*hk+h)*d:(i*hk+h+1)*d], x[i*d:(i+1)*d]
				var ss float64
				for _, v := range src {
					ss += float64(v) * float64(v)
				}
				inv := 0.0
				if ss > 0 {
					inv = 1 / math.Sqrt(ss)
				}
				for j, v := range src {
					dst[j] = float32(float64(v) * inv)
				}
			}
			labels, it := kmeans(x, n, d, c, p.cfg.Seed+uint64(h), p.cfg.MaxIter)
			p.iters[h] = it
			mem := make([][]int32, c)
			sum := make([]float64, c*d)
			for i, l := range labels {
				mem[l] = append(mem[l], int32(i))
				for j, v := range keys[(i*hk+h)*d : (i*hk+h+1)*d] {
					sum[int(l)*d+j] += float64(v)
				}
			}
			for l := range c {
				if len(mem[l]) == 0 {
					continue
				}
				for j := range d {
					cent[(l*hk+h)*d+j] = float32(sum[l*d+j] / float64(len(mem[l])))
				}
			}
			p.members[h] = mem
		}()
	}
	wg.Wait()
	return cent
}

// Width returns the width of every selection row: Budget+Local, or the
// whole fixed context when that is smaller or no budget is set.
func (p *Squeezed) Width() int {
	if p.cfg.Budget > 0 {
		return min(p.cfg.Budget+p.cfg.Local, p.ctx.Len)
	}
	return p.ctx.Len
}

// Select scores the centroids for q — [Hq, D], or [Tq, Hq, D] whose
// estimates are averaged over the Tq tokens — and returns the per-kv-head
// selection of the fixed context. ctx must name the fixed context's pool
// and tokens (it may have grown since). The selection's tensor belongs to
// p and is overwritten by the next call.
func (p *Squeezed) Select(q *ops.Tensor, ctx Context) (ops.Selection, error) {
	b := p.b
	if _, _, err := ctx.check(b.Name()); err != nil {
		return ops.Selection{}, err
	}
	if !ctx.same(&p.ctx) {
		return ops.Selection{}, ops.Errorf(ops.ErrConfig, "ctx", ctx.Len, "want the fixed context the clusters were built on")
	}
	if q == nil || (q.Rank() != 2 && q.Rank() != 3) {
		return ops.Selection{}, ops.Errorf(ops.ErrShape, "q", q, "want [Hq, D] or [Tq, Hq, D]")
	}
	if err := ops.CheckTensor("q", q, b.Name(), q.Rank(), ops.F32, ops.BF16, ops.F16); err != nil {
		return ops.Selection{}, err
	}
	tq, hq := 1, q.Shape[0]
	if q.Rank() == 3 {
		tq, hq = q.Shape[0], q.Shape[1]
	}
	if err := checkHeads(hq, q.Shape[q.Rank()-1], p.hk, p.d); err != nil {
		return ops.Selection{}, err
	}
	if tq == 0 {
		return ops.Selection{}, ops.Errorf(ops.ErrShape, "q.shape[0]", tq, "want ≥ 1 query token")
	}
	prob, err := p.estimate(q, tq, hq)
	if err != nil {
		return ops.Selection{}, err
	}
	w := p.Width()
	if _, err := p.out.ensure(b, p.hk, w); err != nil {
		return ops.Selection{}, err
	}
	host := make([]int32, 0, p.hk*w)
	for h := range p.hk {
		row := p.pick(h, prob[h*p.cfg.Clusters:(h+1)*p.cfg.Clusters])
		for i := range row {
			row[i] = p.slots[row[i]]
		}
		host = append(host, row...)
		host = append(host, fill(w-len(row), -1)...)
	}
	return p.out.selection(ops.PerKVHead), p.out.write(b, host)
}

// estimate returns the per-key attention probability each cluster's
// centroid predicts, [Hk, Clusters], averaged over the query tokens and
// the query heads of each kv head's group.
func (p *Squeezed) estimate(q *ops.Tensor, tq, hq int) ([]float64, error) {
	b, c, g := p.b, p.cfg.Clusters, hq/p.hk
	out, err := p.score.view(b, hq, c)
	if err != nil {
		return nil, err
	}
	prob := make([]float64, p.hk*c)
	for t := range tq {
		qt := q
		if q.Rank() == 3 {
			qt = q.Sub(t*q.RowStride(), []int{hq, p.d}, 0)
		}
		if err := b.Scores(&ops.ScoresArgs{Q: qt, K: p.centroids, Candidates: ops.Selection{Start: 0, End: c}, Out: out, Scale: p.cfg.Scale}); err != nil {
			return nil, err
		}
		s, err := readFloats(b, out)
		if err != nil {
			return nil, err
		}
		for h := range hq {
			kv, row := h/g, s[h*c:(h+1)*c]
			m := math.Inf(-1)
			for j, v := range row {
				if len(p.members[kv][j]) > 0 {
					m = math.Max(m, float64(v))
				}
			}
			den := 0.0
			for j, v := range row {
				den += float64(len(p.members[kv][j])) * math.Exp(float64(v)-m)
			}
			if !(den > 0) || math.IsInf(den, 0) {
				return nil, p.badScores(q, h)
			}
			for j, v := range row {
				if len(p.members[kv][j]) > 0 {
					prob[kv*c+j] += math.Exp(float64(v)-m) / den / float64(g*tq)
				}
			}
		}
	}
	return prob, nil
}

// badScores returns the error for query head h whose centroid scores are
// NaN or infinite: the first non-finite element of q, or, for a finite q
// (the keys were checked when the clusters were built), the overflow of
// its products. The query is read to the host only on this path.
func (p *Squeezed) badScores(q *ops.Tensor, h int) error {
	qh, err := readFloats(p.b, q)
	if err != nil {
		return err
	}
	if err := checkQuery(qh); err != nil {
		return err
	}
	return ops.Errorf(ops.ErrRange, "q", q, "the centroid scores of head %d overflow float32", h)
}

// pick returns the context token indices kept for kv head h given the
// clusters' estimated probabilities: the qualifying clusters' members
// (within the budget) in ascending order, then the local tokens.
func (p *Squeezed) pick(h int, prob []float64) []int32 {
	order := make([]int, 0, len(prob))
	for j := range prob {
		if len(p.members[h][j]) > 0 && (p.cfg.Threshold == 0 || prob[j] > p.cfg.Threshold) {
			order = append(order, j)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(prob[b], prob[a]) })
	var toks []int32
	left := p.cfg.Budget
	for _, j := range order {
		m := p.members[h][j]
		if p.cfg.Budget > 0 {
			if len(m) > left {
				continue
			}
			left -= len(m)
		}
		toks = append(toks, m...)
	}
	slices.Sort(toks)
	for i := p.n; i < p.ctx.Len; i++ {
		toks = append(toks, int32(i))
	}
	return toks
}
