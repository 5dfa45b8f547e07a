package sparse

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// attend runs the fallback's attention of p's query over sel with values
// v [S, Hk, D] and returns O [Hq, D].
func attend(t *testing.T, b ops.Backend, p *problem, v []float32, sel ops.Selection, extra func(*ops.AttentionArgs)) []float32 {
	t.Helper()
	o := make([]float32, p.Hq*p.D)
	a := &ops.AttentionArgs{
		Q: fallback.WrapF32(p.Q, 1, p.Hq, p.D), K: fallback.WrapF32(p.K, p.S, p.Hk, p.D),
		V: fallback.WrapF32(v, p.S, p.Hk, p.D), O: fallback.WrapF32(o, 1, p.Hq, p.D), Sel: sel,
	}
	if extra != nil {
		extra(a)
	}
	if err := b.Attention(a); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestEndToEnd: each policy's selection, attended by the fallback, gives
// an output close to dense attention when the selected keys carry most
// of the attention mass. With M the fp64 mass of a head's selected keys,
// dense attention is M·O_sel + (1−M)·O_rest, O_sel and O_rest being the
// attention restricted to the selection and to the other keys, so
// O_sel − O_dense = (1−M)(O_sel − O_rest) element-wise; both are convex
// combinations of value rows, so this is at most 2(1−M)·max|v|. The test
// checks each element against (1−M)|O_sel − O_rest| computed in fp64,
// plus float32 rounding of both attention calls (1e-5·max|v|).
func TestEndToEnd(t *testing.T) {
	b := fallback.New()
	const s = 4096
	p := topicProblem(60, s, 8, 2, 64, 16, 64, 0.6, 8)
	v := gaussian(newRand(61), s*2*64)
	vmax := 0.0
	for _, x := range v {
		vmax = math.Max(vmax, math.Abs(float64(x)))
	}
	dense := attend(t, b, p, v, ops.Selection{}, nil)
	ts, _ := NewTokenSelect(b, TokenSelectConfig{Budget: 704, Sink: 16, Local: 48}) // one row serves both groups
	tk, _ := NewTokenSelect(b, TokenSelectConfig{Budget: 448, Sink: 16, Local: 48, Granularity: ops.PerKVHead})
	qu, _ := NewQuest(b, QuestConfig{PageSize: 16, Budget: 512})
	sq, err := NewSqueezed(b, p.ctx(), SqueezedConfig{Clusters: 64, Budget: 480, Local: 32, Seed: 2, MaxIter: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		pol  Policy
	}{{"tokenselect/request", ts}, {"tokenselect/kvhead", tk}, {"quest", qu}, {"squeezed", sq}} {
		sel, err := c.pol.Select(p.q(), p.ctx())
		if err != nil {
			t.Fatal(err)
		}
		rows := readRows(t, b, sel)
		o := attend(t, b, p, v, sel, nil)
		worst, minMass := 0.0, 1.0
		for h := range p.Hq {
			row := rows[0]
			if len(rows) > 1 {
				row = rows[h/p.group()]
			}
			w := p.attention(h)
			in := map[int32]bool{}
			for _, s := range nonPad(row) {
				in[s] = true
			}
			mass := 0.0
			oin, orest := make([]float64, p.D), make([]float64, p.D)
			for s := range p.S {
				acc := orest
				if in[int32(s)] {
					acc, mass = oin, mass+w[s]
				}
				for j, x := range v[(s*p.Hk+h/p.group())*p.D:][:p.D] {
					acc[j] += w[s] * float64(x)
				}
			}
			minMass = math.Min(minMass, mass)
			for j := range p.D {
				gap := math.Abs(oin[j]/mass - orest[j]/(1-mass))
				if gap > 2*vmax {
					t.Fatalf("fp64 reference out of range: %g", gap)
				}
				bound := (1-mass)*gap + 1e-5*vmax
				d := math.Abs(float64(o[h*p.D+j] - dense[h*p.D+j]))
				worst = math.Max(worst, d)
				if d > bound {
					t.Fatalf("%s head %d: |O_sel − O_dense| = %g above (1−%.4f)·%g", c.name, h, d, mass, gap)
				}
			}
		}
		// The check means something only when the selection holds most of
		// the mass: these inputs are built so that it does.
		if minMass < 0.85 {
			t.Fatalf("%s: selected mass %.3f, want ≥ 0.85 for this end-to-end check", c.name, minMass)
		}
		t.Logf("%-19s %d of %d slots: min selected mass %.4f, max |O_sel − O_dense| %.2e (max|v| %.2f)", c.name, len(nonPad(rows[0])), s, minMass, worst, vmax)
	}
}

// TestLMInfiniteKeyRoPE: the KeyRoPE an LM-Infinite policy returns makes
// the attention op rotate keys at max(kpos, qpos−cap), so it must match
// attention with KeyPosOriginal over positions clamped by hand.
func TestLMInfiniteKeyRoPE(t *testing.T) {
	b := fallback.New()
	const s, d = 300, 16
	p := randomProblem(62, s, 4, 2, d)
	v := gaussian(newRand(63), s*2*d)
	inv := make([]float64, d/2)
	for j := range inv {
		inv[j] = math.Pow(10000, -2*float64(j)/d)
	}
	rot := &ops.Rotary{Type: "default", HeadDim: d, Dim: d, InvFreq: inv, AttentionFactor: 1}
	l, err := NewLMInfinite(b, LMInfiniteConfig{WindowConfig: WindowConfig{Sink: 8, Window: 64}, Cap: 50, Rotary: rot})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := l.Select(nil, p.ctx())
	if err != nil {
		t.Fatal(err)
	}
	kpos := make([]int32, s)
	clamped := make([]int32, s)
	qpos := []int32{s - 1}
	for i := range kpos {
		kpos[i] = int32(i)
		clamped[i] = max(int32(i), qpos[0]-50)
	}
	got := attend(t, b, p, v, sel, func(a *ops.AttentionArgs) {
		a.QPos, a.KPos, a.RoPE = fallback.WrapI32(qpos, 1), fallback.WrapI32(kpos, s), l.KeyRoPE()
	})
	want := attend(t, b, p, v, sel, func(a *ops.AttentionArgs) {
		a.QPos, a.KPos = fallback.WrapI32(qpos, 1), fallback.WrapI32(clamped, s)
		a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosOriginal}
	})
	uncapped := attend(t, b, p, v, sel, func(a *ops.AttentionArgs) {
		a.QPos, a.KPos = fallback.WrapI32(qpos, 1), fallback.WrapI32(kpos, s)
		a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosOriginal}
	})
	same, differs := true, false
	for i := range got {
		same = same && math.Abs(float64(got[i]-want[i])) <= 1e-6*(1+math.Abs(float64(want[i])))
		differs = differs || got[i] != uncapped[i]
	}
	if !same || !differs {
		t.Fatalf("capped rotation: matches clamped positions %v, differs from uncapped %v", same, differs)
	}
}
