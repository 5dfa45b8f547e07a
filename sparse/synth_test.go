package sparse

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// Synthetic data for the policy tests, with deterministic seeds.

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x0123456789)) }

// gaussian returns n standard normal float32s.
func gaussian(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

// problem is one decode step: a query [Hq, D] over keys [S, Hk, D].
type problem struct {
	S, Hq, Hk, D int
	K, Q         []float32
}

func (p *problem) group() int { return p.Hq / p.Hk }

func (p *problem) key(s, kv int) []float32 {
	o := (s*p.Hk + kv) * p.D
	return p.K[o : o+p.D]
}

func (p *problem) query(h int) []float32 { return p.Q[h*p.D : (h+1)*p.D] }

func (p *problem) ctx() Context {
	return Context{K: fallback.WrapF32(p.K, p.S, p.Hk, p.D), Len: p.S}
}

func (p *problem) q() *ops.Tensor { return fallback.WrapF32(p.Q, p.Hq, p.D) }

// randomProblem draws keys and queries from N(0, 1).
func randomProblem(seed uint64, s, hq, hk, d int) *problem {
	r := newRand(seed)
	return &problem{S: s, Hq: hq, Hk: hk, D: d, K: gaussian(r, s*hk*d), Q: gaussian(r, hq*d)}
}

// topicProblem draws keys with the locality of real key caches: the
// sequence is cut into runs (mean length run) and each run's keys, per kv
// head, scatter (noise) around one of topics random directions of norm
// sqrt(D). The query heads of a kv head point at one topic of it
// (strength times its unit vector, plus N(0, 1) noise of their own), so
// their attention concentrates on that topic's runs, spread over the
// whole sequence.
func topicProblem(seed uint64, s, hq, hk, d, topics, run int, noise, strength float64) *problem {
	r := newRand(seed)
	p := &problem{S: s, Hq: hq, Hk: hk, D: d, K: make([]float32, s*hk*d), Q: make([]float32, hq*d)}
	for kv := range hk {
		mu := make([][]float64, topics)
		for t := range mu {
			mu[t] = make([]float64, d)
			for j := range d {
				mu[t][j] = r.NormFloat64()
			}
		}
		for i := 0; i < s; {
			n := 1 + r.IntN(2*run)
			t := r.IntN(topics)
			for ; n > 0 && i < s; n, i = n-1, i+1 {
				k := p.key(i, kv)
				for j := range d {
					k[j] = float32(mu[t][j] + noise*r.NormFloat64())
				}
			}
		}
		t := r.IntN(topics)
		for h := kv * p.group(); h < (kv+1)*p.group(); h++ {
			norm := 0.0
			for _, v := range mu[t] {
				norm += v * v
			}
			norm = math.Sqrt(norm)
			q := p.query(h)
			for j := range d {
				q[j] = float32(strength*mu[t][j]/norm + r.NormFloat64())
			}
		}
	}
	return p
}

// attention returns head h's exact softmax weights (fp64) over all keys,
// with scale 1/sqrt(D).
func (p *problem) attention(h int) []float64 {
	q, kv := p.query(h), h/p.group()
	w := make([]float64, p.S)
	m := math.Inf(-1)
	for s := range p.S {
		w[s] = dot64(q, p.key(s, kv)) / math.Sqrt(float64(p.D))
		m = math.Max(m, w[s])
	}
	z := 0.0
	for s := range w {
		w[s] = math.Exp(w[s] - m)
		z += w[s]
	}
	for s := range w {
		w[s] /= z
	}
	return w
}

func dot64(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// topKeys returns the m keys of largest weight (ties to the lower slot).
func topKeys(w []float64, m int) []int {
	idx := make([]int, len(w))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case w[a] > w[b]:
			return -1
		case w[a] < w[b]:
			return 1
		}
		return 0
	})
	return idx[:m]
}

// quality measures a per-kv-head (or per-request) selection against the
// exact attention of every query head: the mean over heads of the recall
// of the true top-m keys and of the attention mass covered.
func quality(p *problem, rows [][]int32, m int) (recall, mass float64) {
	for h := range p.Hq {
		row := rows[0]
		if len(rows) > 1 {
			row = rows[h/p.group()]
		}
		in := make(map[int32]bool, len(row))
		for _, s := range row {
			if s >= 0 {
				in[s] = true
			}
		}
		w := p.attention(h)
		hit := 0
		for _, s := range topKeys(w, m) {
			if in[int32(s)] {
				hit++
			}
		}
		recall += float64(hit) / float64(m)
		for s := range in {
			mass += w[s]
		}
	}
	return recall / float64(p.Hq), mass / float64(p.Hq)
}

// readRows reads a selection's index tensor as rows.
func readRows(t *testing.T, b ops.Backend, sel ops.Selection) [][]int32 {
	t.Helper()
	ix, err := readI32(b, sel.Indices)
	if err != nil {
		t.Fatal(err)
	}
	w := sel.Indices.Shape[sel.Indices.Rank()-1]
	var out [][]int32
	for i := 0; i < len(ix); i += w {
		out = append(out, ix[i:i+w])
	}
	return out
}

// nonPad returns the entries of row that are not -1.
func nonPad(row []int32) []int32 {
	var out []int32
	for _, s := range row {
		if s != -1 {
			out = append(out, s)
		}
	}
	return out
}
