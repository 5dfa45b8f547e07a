package sparse

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// squeezedEstimate is the fp64 reference of the per-key probability each
// cluster of kv head kv predicts: centroids are the mean raw keys of the
// policy's clusters, p(j) = exp(s_j)/Σ N_i exp(s_i), averaged over the
// group's query heads.
func squeezedEstimate(p *problem, sq *Squeezed, kv int) []float64 {
	mem := sq.members[kv]
	c := len(mem)
	est := make([]float64, c)
	for h := kv * p.group(); h < (kv+1)*p.group(); h++ {
		s := make([]float64, c)
		den := 0.0
		for j, m := range mem {
			if len(m) == 0 {
				continue
			}
			cent := make([]float64, p.D)
			for _, i := range m {
				for d, v := range p.key(int(i), kv) {
					cent[d] += float64(v) / float64(len(m))
				}
			}
			for d, v := range p.query(h) {
				s[j] += float64(v) * cent[d]
			}
			s[j] = math.Exp(s[j] / math.Sqrt(float64(p.D)))
			den += float64(len(m)) * s[j]
		}
		for j := range s {
			est[j] += s[j] / den / float64(p.group())
		}
	}
	return est
}

func TestSqueezedThreshold(t *testing.T) {
	b := fallback.New()
	p := topicProblem(30, 600, 4, 2, 16, 6, 20, 0.5, 6)
	const local, thr = 40, 1.0 / 600
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 12, Threshold: thr, Local: local, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := sq.Select(p.q(), p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if sel.Granularity != ops.PerKVHead || !slices.Equal(sel.Indices.Shape, []int{2, 600}) {
		t.Fatalf("selection %v %v, want kvhead [2 600]", sel.Granularity, sel.Indices)
	}
	kept := 0
	for kv, row := range readRows(t, b, sel) {
		est := squeezedEstimate(p, sq, kv)
		var want []int32
		for j, m := range sq.members[kv] {
			// Clusters within float32 rounding of the threshold may go
			// either way; the seed keeps them clear of it.
			if math.Abs(est[j]-thr) < 1e-5*thr {
				t.Fatalf("cluster %d estimate %g too close to the threshold", j, est[j])
			}
			if est[j] > thr {
				want = append(want, m...)
			}
		}
		slices.Sort(want)
		for i := 600 - local; i < 600; i++ {
			want = append(want, int32(i))
		}
		if got := nonPad(row); !slices.Equal(got, want) {
			t.Fatalf("kv %d: selected %v, want %v", kv, got, want)
		}
		kept += len(want)
	}
	if kept == 2*600 || kept == 2*local {
		t.Fatalf("threshold kept %d tokens: the test needs a partial selection", kept)
	}
}

func TestSqueezedBudget(t *testing.T) {
	b := fallback.New()
	p := topicProblem(31, 800, 8, 2, 16, 8, 16, 0.7, 5)
	const budget, local = 160, 16
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 20, Budget: budget, Local: local, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := sq.Select(fallback.WrapF32(p.Q, 1, 8, 16), p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sel.Indices.Shape, []int{2, budget + local}) {
		t.Fatalf("shape %v, want [2 %d]", sel.Indices.Shape, budget+local)
	}
	for kv, row := range readRows(t, b, sel) {
		est := squeezedEstimate(p, sq, kv)
		order := make([]int, len(est))
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(est[b], est[a]) })
		var want []int32
		left := budget
		for _, j := range order {
			if m := sq.members[kv][j]; len(m) > 0 && len(m) <= left {
				want, left = append(want, m...), left-len(m)
			}
		}
		slices.Sort(want)
		for i := 800 - local; i < 800; i++ {
			want = append(want, int32(i))
		}
		if got := nonPad(row); !slices.Equal(got, want) {
			t.Fatalf("kv %d: selected %v, want %v", kv, got, want)
		}
	}
}

// TestSqueezedMultiToken: a [Tq, Hq, D] query averages the estimates of
// its tokens, so two identical tokens select what one does.
func TestSqueezedMultiToken(t *testing.T) {
	b := fallback.New()
	p := topicProblem(32, 500, 4, 4, 8, 5, 10, 0.5, 4)
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 10, Budget: 100, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	one, err := sq.Select(p.q(), p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	a := readRows(t, b, one)
	two, err := sq.Select(fallback.WrapF32(append(slices.Clone(p.Q), p.Q...), 2, 4, 8), p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if c := readRows(t, b, two); !slices.EqualFunc(a, c, slices.Equal) {
		t.Fatalf("two equal tokens %v, one token %v", c, a)
	}
}

func TestSqueezedDeterministic(t *testing.T) {
	b := fallback.New()
	p := topicProblem(33, 700, 4, 2, 16, 6, 12, 0.6, 4)
	cfg := SqueezedConfig{Clusters: 16, Budget: 64, Seed: 77}
	x, err := NewSqueezed(b, p.ctx(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := NewSqueezed(b, p.ctx(), cfg)
	for kv := range 2 {
		if !slices.EqualFunc(x.members[kv], y.members[kv], slices.Equal) {
			t.Fatalf("kv %d: equal seeds gave different clusters", kv)
		}
	}
}

// TestSqueezedSlotTable clusters a context scattered over the pool and
// checks the selection is the range context's, mapped through the table.
func TestSqueezedSlotTable(t *testing.T) {
	b := fallback.New()
	p := topicProblem(34, 400, 2, 2, 8, 4, 10, 0.5, 4)
	perm := newRand(8).Perm(400)
	// Pool: token i's keys at slot perm[i].
	pool := make([]float32, len(p.K))
	slots := make([]int32, 400)
	for i, s := range perm {
		slots[i] = int32(s)
		copy(pool[s*16:(s+1)*16], p.K[i*16:(i+1)*16])
	}
	cfg := SqueezedConfig{Clusters: 8, Budget: 80, Local: 10, Seed: 5}
	ref, err := NewSqueezed(b, p.ctx(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := Context{K: fallback.WrapF32(pool, 400, 2, 8), Len: 400, Slots: fallback.WrapI32(slots, 400)}
	sc, err := NewSqueezed(b, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ref.Select(p.q(), p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	want := readRows(t, b, a)
	c, err := sc.Select(p.q(), ctx)
	if err != nil {
		t.Fatal(err)
	}
	for kv, row := range readRows(t, b, c) {
		for i, s := range want[kv] {
			if s >= 0 {
				s = slots[s]
			}
			if row[i] != s {
				t.Fatalf("kv %d: %v, want %v through the slot table", kv, row, want[kv])
			}
		}
	}
}

func TestSqueezedErrors(t *testing.T) {
	b := fallback.New()
	p := randomProblem(35, 100, 2, 2, 4)
	for _, c := range []struct {
		cfg  SqueezedConfig
		arg  string
		kind error
	}{
		{SqueezedConfig{Clusters: 0, Budget: 10}, "clusters", ops.ErrRange},
		{SqueezedConfig{Clusters: 91, Budget: 10, Local: 10}, "clusters", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Threshold: math.NaN()}, "threshold", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Threshold: 1}, "threshold", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Threshold: -0.1}, "threshold", ops.ErrRange},
		{SqueezedConfig{Clusters: 4}, "budget", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Budget: -5}, "budget", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Budget: 5, Local: -1}, "local", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Budget: 5, MaxIter: -1}, "max_iter", ops.ErrRange},
		{SqueezedConfig{Clusters: 4, Budget: 5, Scale: float32(math.NaN())}, "scale", ops.ErrRange},
	} {
		var ae *ops.ArgError
		if _, err := NewSqueezed(b, p.ctx(), c.cfg); !errors.Is(err, c.kind) || !errors.As(err, &ae) || ae.Arg != c.arg {
			t.Errorf("%+v: err %v, want %v naming %s", c.cfg, err, c.kind, c.arg)
		}
	}
	// The error names the first non-finite key element, whichever kv head
	// and cluster it lands in.
	p.K[17], p.K[40] = float32(math.NaN()), float32(math.Inf(-1))
	for _, want := range []string{"key element 17 ", "key element 40 "} {
		_, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 4, Budget: 8})
		var ae *ops.ArgError
		if !errors.Is(err, ops.ErrRange) || !errors.As(err, &ae) || ae.Arg != "ctx.k" || !strings.Contains(err.Error(), want) {
			t.Errorf("non-finite key: err %v, want ErrRange naming ctx.k, %s", err, want)
		}
		p.K[17] = 0
	}
	p.K[40] = 0
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 4, Budget: 8})
	if err != nil {
		t.Fatal(err)
	}
	other := p.ctx()
	other.Start, other.Len = 1, 99
	if _, err := sq.Select(p.q(), other); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("another context: err %v, want ErrConfig", err)
	}
	if _, err := sq.Select(fallback.WrapF32(p.Q[:6], 2, 3), p.ctx()); !errors.Is(err, ops.ErrShape) {
		t.Errorf("bad head dim: err %v, want ErrShape", err)
	}
}
