package sparse

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// pageBound is the fp64 reference of Quest's bound for query head h over
// the slots [lo, hi) of one page: Σ_d max(q_d·min_d, q_d·max_d)/sqrt(D).
func pageBound(p *problem, h, lo, hi int) float64 {
	kv, q := h/p.group(), p.query(h)
	s := 0.0
	for j := range p.D {
		mn, mx := math.Inf(1), math.Inf(-1)
		for i := lo; i < hi; i++ {
			v := float64(p.key(i, kv)[j])
			mn, mx = math.Min(mn, v), math.Max(mx, v)
		}
		s += math.Max(float64(q[j])*mn, float64(q[j])*mx)
	}
	return s / math.Sqrt(float64(p.D))
}

// checkQuest checks a Quest row for kv head kv over tokens [first, end):
// the newest page, plus pages whose (soft-voted, for groups) bounds are
// at least every unselected page's up to float32 rounding, each expanded
// to its slots inside the context, ascending, then -1.
func checkQuest(t *testing.T, p *problem, ps, pages, first, end, kv int, row []int32) {
	t.Helper()
	p0, p1 := first/ps, (end+ps-1)/ps
	np := p1 - 1 - p0
	g := p.group()
	vote := make([]float64, np)
	for h := kv * g; h < (kv+1)*g; h++ {
		b := make([]float64, np)
		m := math.Inf(-1)
		for i := range np {
			// Metadata spans the whole page below end, slots before first
			// included.
			b[i] = pageBound(p, h, (p0+i)*ps, min((p0+i+1)*ps, end))
			m = math.Max(m, b[i])
		}
		z := 0.0
		for i := range b {
			z += math.Exp(b[i] - m)
		}
		for i := range b {
			if g == 1 {
				vote[i] = b[i]
			} else {
				vote[i] += math.Exp(b[i]-m) / z
			}
		}
	}
	chosen := map[int]bool{}
	var want []int32
	for _, s := range nonPad(row) {
		pg := int(s)/ps - p0
		if pg < np {
			chosen[pg] = true
		}
	}
	for pg := p0; pg < p1; pg++ {
		if chosen[pg-p0] || pg == p1-1 {
			for s := max(pg*ps, first); s < min((pg+1)*ps, end); s++ {
				want = append(want, int32(s))
			}
		}
	}
	if len(chosen) != pages-1 || !slices.Equal(nonPad(row), want) || slices.Index(row, -1) >= 0 && slices.ContainsFunc(row[slices.Index(row, -1):], func(s int32) bool { return s != -1 }) {
		t.Fatalf("kv %d: row %v, want %d whole pages + the newest, expanded in order, then -1", kv, row, pages-1)
	}
	minIn, maxOut, top := math.Inf(1), math.Inf(-1), 0.0
	for i, v := range vote {
		top = math.Max(top, math.Abs(v))
		if chosen[i] {
			minIn = math.Min(minIn, v)
		} else {
			maxOut = math.Max(maxOut, v)
		}
	}
	if minIn < maxOut-1e-5*top {
		t.Fatalf("kv %d: a selected page scores %g below an unselected one's %g", kv, minIn, maxOut)
	}
}

func TestQuestMatchesBounds(t *testing.T) {
	b := fallback.New()
	for _, c := range []struct{ hq, hk, first, end int }{
		{2, 2, 0, 200}, {8, 2, 0, 200}, {7, 1, 37, 250}, {4, 4, 16, 256},
	} {
		p := randomProblem(uint64(10+c.hq), 256, c.hq, c.hk, 16)
		q, err := NewQuest(b, QuestConfig{PageSize: 16, Budget: 70})
		if err != nil {
			t.Fatal(err)
		}
		ctx := p.ctx()
		ctx.Start, ctx.Len = c.first, c.end-c.first
		sel, err := q.Select(p.q(), ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sel.Granularity != ops.PerKVHead || !slices.Equal(sel.Indices.Shape, []int{c.hk, 64}) {
			t.Fatalf("selection %v %v, want kvhead [%d 64]", sel.Granularity, sel.Indices, c.hk)
		}
		for kv, row := range readRows(t, b, sel) {
			checkQuest(t, p, 16, 4, c.first, c.end, kv, row)
		}
	}
}

// TestQuestIncremental grows a context slot by slot (with garbage beyond
// the context's end) and checks that the incrementally maintained
// metadata gives the selection a fresh policy computes.
func TestQuestIncremental(t *testing.T) {
	b := fallback.New()
	p := randomProblem(20, 300, 4, 2, 16)
	// Slots past the end hold huge keys: metadata must not read them.
	for s := 200; s < 300; s++ {
		for kv := range 2 {
			for j := range 16 {
				p.key(s, kv)[j] = 1e6
			}
		}
	}
	q, err := NewQuest(b, QuestConfig{PageSize: 8, Budget: 32})
	if err != nil {
		t.Fatal(err)
	}
	ctx := p.ctx()
	var rows [][]int32
	for n := 60; n <= 200; n += 1 + n%3 {
		ctx.Len = n
		sel, err := q.Select(p.q(), ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows = readRows(t, b, sel)
	}
	fresh, _ := NewQuest(b, QuestConfig{PageSize: 8, Budget: 32})
	sel, err := fresh.Select(p.q(), ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := readRows(t, b, sel); !slices.EqualFunc(rows, want, slices.Equal) {
		t.Fatalf("incremental %v, fresh %v", rows, want)
	}
	for kv, row := range rows {
		checkQuest(t, p, 8, 4, 0, ctx.Len, kv, row)
	}
}

func TestQuestShortContext(t *testing.T) {
	b := fallback.New()
	p := randomProblem(21, 64, 2, 2, 8)
	q, _ := NewQuest(b, QuestConfig{PageSize: 8, Budget: 40})
	ctx := p.ctx()
	ctx.Start, ctx.Len = 3, 30 // pages 0..4: 5 pages fit the budget
	sel, err := q.Select(p.q(), ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range readRows(t, b, sel) {
		for i, s := range row {
			if want := map[bool]int32{true: int32(3 + i), false: -1}[i < 30]; s != want {
				t.Fatalf("row %v, want slots 3..32 then -1", row)
			}
		}
	}
}

func TestQuestErrors(t *testing.T) {
	b := fallback.New()
	for _, c := range []struct {
		cfg QuestConfig
		arg string
	}{
		{QuestConfig{PageSize: 0, Budget: 16}, "page_size"},
		{QuestConfig{PageSize: -4, Budget: 16}, "page_size"},
		{QuestConfig{PageSize: 16, Budget: 15}, "budget"},
		{QuestConfig{PageSize: 16, Budget: 32, Scale: float32(math.Inf(1))}, "scale"},
	} {
		var ae *ops.ArgError
		if _, err := NewQuest(b, c.cfg); !errors.Is(err, ops.ErrRange) || !errors.As(err, &ae) || ae.Arg != c.arg {
			t.Errorf("%+v: err %v, want ErrRange naming %s", c.cfg, err, c.arg)
		}
	}
	p := randomProblem(22, 64, 2, 2, 8)
	q, _ := NewQuest(b, QuestConfig{PageSize: 8, Budget: 16})
	ctx := p.ctx()
	ctx.Slots = fallback.WrapI32(make([]int32, 64), 64)
	if _, err := q.Select(p.q(), ctx); !errors.Is(err, ops.ErrUnsupported) {
		t.Errorf("slot table: err %v, want ErrUnsupported", err)
	}
	if err := q.Update(ctx); !errors.Is(err, ops.ErrUnsupported) {
		t.Errorf("update with slot table: err %v, want ErrUnsupported", err)
	}
}
