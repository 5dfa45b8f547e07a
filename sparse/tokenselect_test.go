package sparse

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// softVote is the fp64 reference of TokenSelect's vote for row r of
// granularity g: Σ over the row's query heads of softmax(scale·q·k) over
// candidate tokens cand (token → slot given by slotOf).
func softVote(p *problem, cand []int32, g ops.Granularity, r int) []float64 {
	h0, h1 := 0, p.Hq
	if g == ops.PerKVHead {
		h0, h1 = r*p.group(), (r+1)*p.group()
	}
	vote := make([]float64, len(cand))
	for h := h0; h < h1; h++ {
		kv := h / p.group()
		x := make([]float64, len(cand))
		m := math.Inf(-1)
		for i, s := range cand {
			x[i] = dot64(p.query(h), p.key(int(s), kv)) / math.Sqrt(float64(p.D))
			m = math.Max(m, x[i])
		}
		z := 0.0
		for i := range x {
			x[i] = math.Exp(x[i] - m)
			z += x[i]
		}
		for i := range x {
			vote[i] += x[i] / z
		}
	}
	return vote
}

// checkVoted checks one selection row of TokenSelect against the fp64
// vote: sink slots, then Budget candidates in token order whose votes are
// all at least every unselected candidate's vote (up to the float32
// rounding of the vote, 1e-5 relative to the largest), then local slots.
func checkVoted(t *testing.T, p *problem, slotOf []int32, cfg TokenSelectConfig, row []int32, r int) {
	t.Helper()
	n := len(slotOf)
	lo, hi := cfg.Sink, n-cfg.Local
	if !slices.Equal(row[:lo], slotOf[:lo]) || !slices.Equal(row[lo+cfg.Budget:], slotOf[hi:]) {
		t.Fatalf("row %d: sink/local parts %v … %v, want %v … %v", r, row[:lo], row[lo+cfg.Budget:], slotOf[:lo], slotOf[hi:])
	}
	vote := softVote(p, slotOf[lo:hi], cfg.Granularity, r)
	tokenOf := map[int32]int{}
	for i, s := range slotOf[lo:hi] {
		tokenOf[s] = i
	}
	chosen := map[int]bool{}
	prev := -1
	for _, s := range row[lo : lo+cfg.Budget] {
		i, ok := tokenOf[s]
		if !ok || chosen[i] || i <= prev {
			t.Fatalf("row %d: voted part %v is not distinct candidates in token order", r, row[lo:lo+cfg.Budget])
		}
		chosen[i], prev = true, i
	}
	minIn, maxOut, top := math.Inf(1), math.Inf(-1), 0.0
	for i, v := range vote {
		top = math.Max(top, v)
		if chosen[i] {
			minIn = math.Min(minIn, v)
		} else {
			maxOut = math.Max(maxOut, v)
		}
	}
	if minIn < maxOut-1e-5*top {
		t.Fatalf("row %d: a selected candidate has vote %g below an unselected one's %g", r, minIn, maxOut)
	}
}

func TestTokenSelectMatchesVote(t *testing.T) {
	b := fallback.New()
	p := randomProblem(1, 300, 8, 2, 16)
	for _, g := range []ops.Granularity{ops.PerRequest, ops.PerKVHead} {
		for _, table := range []bool{false, true} {
			cfg := TokenSelectConfig{Budget: 20, Sink: 4, Local: 8, Granularity: g, NoCache: true}
			ts, err := NewTokenSelect(b, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// 250 tokens: slots [30, 280) or a permutation of the pool.
			n := 250
			slotOf := make([]int32, n)
			ctx := p.ctx()
			ctx.Len = n
			if table {
				perm := newRand(7).Perm(p.S)
				for i := range slotOf {
					slotOf[i] = int32(perm[i])
				}
				ctx.Slots = fallback.WrapI32(slotOf, n)
			} else {
				ctx.Start = 30
				for i := range slotOf {
					slotOf[i] = int32(30 + i)
				}
			}
			sel, err := ts.Select(p.q(), ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Granularity != g || sel.Indices.Shape[sel.Indices.Rank()-1] != ts.Width() {
				t.Fatalf("selection %v %v, want granularity %v width %d", sel.Granularity, sel.Indices, g, ts.Width())
			}
			for r, row := range readRows(t, b, sel) {
				checkVoted(t, p, slotOf, cfg, row, r)
			}
		}
	}
}

func TestTokenSelectShortContext(t *testing.T) {
	b := fallback.New()
	p := randomProblem(2, 64, 4, 4, 8)
	ts, err := NewTokenSelect(b, TokenSelectConfig{Budget: 10, Sink: 2, Local: 4, Granularity: ops.PerKVHead})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 16} {
		ctx := p.ctx()
		ctx.Start, ctx.Len = 5, n
		sel, err := ts.Select(p.q(), ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range readRows(t, b, sel) {
			for i, s := range row {
				want := int32(-1)
				if i < n {
					want = int32(5 + i)
				}
				if s != want {
					t.Fatalf("len %d: row %v, want every token then -1", n, row)
				}
			}
		}
	}
	if st := ts.Stats(); st.Hits+st.Misses != 0 {
		t.Fatalf("short contexts counted in the cache: %+v", st)
	}
}

// rotateTo returns a vector whose cosine with q is exactly c (up to
// float32 rounding): c·q + sqrt(1-c²)·|q|·u with u a unit vector
// orthogonal to q.
func rotateTo(q []float32, c float64, seed uint64) []float32 {
	u := gaussian(newRand(seed), len(q))
	qq, uq := dot64(q, q), dot64(u, q)
	for i := range u {
		u[i] -= float32(uq / qq * float64(q[i]))
	}
	un := math.Sqrt(dot64(u, u))
	out := make([]float32, len(q))
	for i := range q {
		out[i] = float32(c*float64(q[i]) + math.Sqrt(1-c*c)*math.Sqrt(qq)*float64(u[i])/un)
	}
	return out
}

func TestTokenSelectCache(t *testing.T) {
	b := fallback.New()
	p := randomProblem(3, 512, 4, 2, 16)
	cfg := TokenSelectConfig{Budget: 16, Sink: 2, Local: 4}
	ts, err := NewTokenSelect(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := p.ctx()
	ctx.Len = 400
	first, err := ts.Select(p.q(), ctx)
	if err != nil {
		t.Fatal(err)
	}
	voted := slices.Clone(readRows(t, b, first)[0][2:18])
	step := func(q []float32, n int) []int32 {
		t.Helper()
		c := ctx
		c.Len = n
		sel, err := ts.Select(fallback.WrapF32(q, p.Hq, p.D), c)
		if err != nil {
			t.Fatal(err)
		}
		return readRows(t, b, sel)[0]
	}
	// cos 0.95 ≥ 0.9 with one more token: the vote is reused, the local
	// window moves.
	near := rotateTo(p.Q, 0.95, 11)
	row := step(near, 401)
	if !slices.Equal(row[2:18], voted) || row[18] != 397 || row[21] != 400 {
		t.Fatalf("hit: row %v, want voted part %v and local 397..400", row, voted)
	}
	if st := ts.Stats(); st.Hits != 1 || st.Misses != 1 {
		t.Fatalf("stats %+v, want 1 hit 1 miss", st)
	}
	// cos 0.85 < 0.9: recomputed, and matches a fresh vote.
	far := rotateTo(p.Q, 0.85, 12)
	row = step(far, 402)
	fresh, _ := NewTokenSelect(b, TokenSelectConfig{Budget: 16, Sink: 2, Local: 4, NoCache: true})
	c := ctx
	c.Len = 402
	sel, err := fresh.Select(fallback.WrapF32(far, p.Hq, p.D), c)
	if err != nil {
		t.Fatal(err)
	}
	if want := readRows(t, b, sel)[0]; !slices.Equal(row, want) {
		t.Fatalf("miss: row %v, want fresh vote %v", row, want)
	}
	// The cache compares with the query that produced the vote (far), so
	// far itself is a hit; Reset forces a miss.
	step(far, 402)
	ts.Reset()
	step(far, 402)
	// A different context is never a hit.
	c2 := ctx
	c2.Start, c2.Len = 1, 400
	if _, err := ts.Select(fallback.WrapF32(far, p.Hq, p.D), c2); err != nil {
		t.Fatal(err)
	}
	st := ts.Stats()
	if st.Hits != 2 || st.Misses != 4 || st.Rate() != 2.0/6 {
		t.Fatalf("stats %+v rate %v, want 2 hits 4 misses", st, st.Rate())
	}
	t.Logf("selection cache: %d hits, %d misses, rate %.3f", st.Hits, st.Misses, st.Rate())
}

func TestTokenSelectErrors(t *testing.T) {
	b := fallback.New()
	for _, c := range []struct {
		cfg  TokenSelectConfig
		kind error
	}{
		{TokenSelectConfig{Budget: -1}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Sink: -1}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Local: -2}, ops.ErrRange},
		{TokenSelectConfig{}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Theta: 1.5}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Theta: -1.01}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Theta: math.NaN()}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Scale: float32(math.NaN())}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Scale: -1}, ops.ErrRange},
		{TokenSelectConfig{Budget: 4, Granularity: ops.PerQuery}, ops.ErrConfig},
	} {
		if _, err := NewTokenSelect(b, c.cfg); !errors.Is(err, c.kind) {
			t.Errorf("%+v: err %v, want %v", c.cfg, err, c.kind)
		}
	}
	var ae *ops.ArgError
	if _, err := NewTokenSelect(b, TokenSelectConfig{Budget: -3}); !errors.As(err, &ae) || ae.Arg != "budget" || ae.Value != -3 {
		t.Errorf("budget error %v does not name the argument and value", err)
	}

	p := randomProblem(4, 100, 4, 2, 8)
	ts, _ := NewTokenSelect(b, TokenSelectConfig{Budget: 8, Sink: 1, Local: 1})
	bad := []struct {
		name string
		q    *ops.Tensor
		ctx  Context
		kind error
	}{
		{"q head dim", fallback.WrapF32(p.Q[:12], 4, 3), p.ctx(), ops.ErrShape},
		{"q heads", fallback.WrapF32(p.Q[:24], 3, 8), p.ctx(), ops.ErrShape},
		{"q tokens", fallback.WrapF32(p.Q, 2, 2, 8), p.ctx(), ops.ErrShape},
		{"nil q", nil, p.ctx(), ops.ErrShape},
		{"nil k", p.q(), Context{Len: 4}, ops.ErrShape},
		{"start", p.q(), Context{K: p.ctx().K, Start: 90, Len: 20}, ops.ErrRange},
		{"len", p.q(), Context{K: p.ctx().K, Len: -1}, ops.ErrRange},
		{"slots shape", p.q(), Context{K: p.ctx().K, Len: 50, Slots: fallback.WrapI32(make([]int32, 40), 40)}, ops.ErrShape},
		{"slot value", p.q(), Context{K: p.ctx().K, Len: 50, Slots: fallback.WrapI32(append(make([]int32, 49), 100), 50)}, ops.ErrRange},
		{"negative slot", p.q(), Context{K: p.ctx().K, Len: 50, Slots: fallback.WrapI32(append([]int32{-1}, make([]int32, 49)...), 50)}, ops.ErrRange},
	}
	for _, c := range bad {
		if _, err := ts.Select(c.q, c.ctx); !errors.Is(err, c.kind) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.kind)
		}
	}
}

// TestTokenSelectNeedle plants a key aligned with one kv group's queries
// among random keys and checks that the vote always keeps it, over many
// seeds and positions, at both granularities.
func TestTokenSelectNeedle(t *testing.T) {
	b := fallback.New()
	const s, hq, hk, d = 4096, 8, 2, 64
	trials := 40
	if testing.Short() {
		trials = 8
	}
	worst := 0
	for trial := range trials {
		p := randomProblem(uint64(100+trial), s, hq, hk, d)
		r := newRand(uint64(900 + trial))
		kv := r.IntN(hk)
		// Positions anywhere among the candidates, including their edges.
		pos := []int{4, s - 65, 4 + r.IntN(s-68)}[trial%3]
		// needle = β·sqrt(D)·q̄/|q̄| for the group's mean query q̄ (β = 0.8):
		// in each of the group's heads a logit of about β·sqrt(D/g) = 3.2,
		// no more than the largest of the 4096 N(0, 1) logits of random
		// keys (≈ 3.5); the soft vote over the group must still keep it.
		mean := make([]float64, d)
		for h := kv * 4; h < kv*4+4; h++ {
			for j, v := range p.query(h) {
				mean[j] += float64(v) / 4
			}
		}
		norm := 0.0
		for _, v := range mean {
			norm += v * v
		}
		for j, v := range mean {
			p.key(pos, kv)[j] = float32(0.8 * math.Sqrt(d) * v / math.Sqrt(norm))
		}
		for _, g := range []ops.Granularity{ops.PerRequest, ops.PerKVHead} {
			cfg := TokenSelectConfig{Budget: 32, Sink: 4, Local: 64, Granularity: g, NoCache: true}
			ts, err := NewTokenSelect(b, cfg)
			if err != nil {
				t.Fatal(err)
			}
			sel, err := ts.Select(p.q(), p.ctx())
			if err != nil {
				t.Fatal(err)
			}
			rows := readRows(t, b, sel)
			row := rows[0]
			if g == ops.PerKVHead {
				row = rows[kv]
			}
			if !slices.Contains(row, int32(pos)) {
				t.Fatalf("trial %d (%v): needle at %d not selected: %v", trial, g, pos, row)
			}
			// Rank of the needle in the fp64 vote, for the log.
			cand := make([]int32, s-68)
			for i := range cand {
				cand[i] = int32(4 + i)
			}
			rr := 0
			if g == ops.PerKVHead {
				rr = kv
			}
			vote := softVote(p, cand, g, rr)
			rank := 0
			for _, v := range vote {
				if v > vote[pos-4] {
					rank++
				}
			}
			worst = max(worst, rank)
		}
	}
	t.Logf("needle selected in %d trials × 2 granularities; worst fp64 vote rank %d of %d candidates (budget 32)", trials, worst, s-68)
}
