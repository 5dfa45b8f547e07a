package crosscheck

import (
	"fmt"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func init() { Register("attend", checkAttention) }

// attnCase is one attention check: a model's heads and head dimension,
// a dtype, a selection and the options.
type attnCase struct {
	name             string
	dt               ops.DType
	Tq, Hq, Hk, S, D int
	dense            bool // the dense range [0, S); else index rows
	gran             ops.Granularity
	W                int
	causal, sinks    bool
	softcap          float32
	rope             *ops.KeyRoPE
}

// attnSlots is the pool size of every attention case.
const attnSlots = 2048

// attnCases lists the checks: for each model (every other one with
// quick), decode over a per-request selection with causal positions (and
// the model's sinks), prefill over a per-kv-head selection of as many
// tokens as the tensor-core path on GPUs needs (prefillTokens), per-query
// rows with a soft-cap, dense causal attention, and in-op key RoPE by rank
// and at original positions; bf16, plus f16 and f32 for the first model.
func attnCases(quick bool) ([]attnCase, error) {
	var cs []attnCase
	for i, m := range bench.Models() {
		if quick && i%2 == 1 {
			continue
		}
		rot, err := m.Rotary(0)
		if err != nil {
			return nil, err
		}
		base := attnCase{Hq: m.QHeads, Hk: m.KVHeads, S: attnSlots, D: m.HeadDim, sinks: m.Sinks}
		dts := []ops.DType{ops.BF16}
		if i == 0 {
			dts = append(dts, ops.F16, ops.F32)
		}
		for _, dt := range dts {
			add := func(what string, c attnCase) {
				c.dt = dt
				c.name = fmt.Sprintf("%s %s %s Tq=%d", m.Name, dt, what, c.Tq)
				cs = append(cs, c)
			}
			c := base
			c.Tq, c.gran, c.W, c.causal = 1, ops.PerRequest, 512, true
			add("decode request W=512 causal"+sinkWord(m.Sinks), c)
			c = base
			c.Tq, c.gran, c.W, c.causal = prefillTokens(m.QHeads/m.KVHeads), ops.PerKVHead, 512, true
			add("prefill kv-head W=512 causal"+sinkWord(m.Sinks), c)
			if quick && dt != ops.BF16 {
				continue
			}
			c = base
			c.Tq, c.gran, c.W, c.softcap = 4, ops.PerQuery, 128, 30
			add("query W=128 softcap=30", c)
			c = base
			c.Tq, c.dense, c.causal = 16, true, true
			add("dense causal", c)
			c = base
			c.Tq, c.gran, c.W = 1, ops.PerRequest, 512
			c.rope = &ops.KeyRoPE{Rotary: rot, Angles: ops.Accurate, KeyPos: ops.KeyPosRank}
			add("decode request W=512 key-rope rank", c)
			c = base
			c.Tq, c.gran, c.W, c.causal = 2, ops.PerKVHead, 256, true
			c.rope = &ops.KeyRoPE{Rotary: rot, Angles: ops.Accurate, KeyPos: ops.KeyPosOriginal}
			add("kv-head W=256 key-rope original", c)
		}
	}
	return cs, nil
}

// prefillTokens is the fewest query tokens whose rows (tokens × a GQA
// group of g heads) reach kernels.PrefillMinRows, from which the CUDA
// backend serves a 16-bit call with its tensor-core prefill kernel: the
// prefill cases take that path at the least cost.
func prefillTokens(g int) int { return (kernels.PrefillMinRows + g - 1) / g }

func sinkWord(sinks bool) string {
	if sinks {
		return " sinks"
	}
	return ""
}

// attnData is a case's host inputs, each float value already one of the
// dtype's (sinks: float32).
type attnData struct {
	q, k, v, sinks  []float32
	idx, qpos, kpos []int32
	idxShape        []int
}

// data draws the case's inputs: N(0, 1) queries, keys and values (the
// queries ×2 for a wider softmax), index rows of random slots with a
// tenth padding, key positions a permutation of the slots and query
// positions spread over the upper half (so that about a quarter of the
// keys are masked), sinks N(0, 4).
func (c *attnCase) data(rng *rand.Rand) attnData {
	d := attnData{
		q: randomRounded(rng, c.dt, c.Tq*c.Hq*c.D),
		k: randomRounded(rng, c.dt, c.S*c.Hk*c.D),
		v: randomRounded(rng, c.dt, c.S*c.Hk*c.D),
	}
	for i := range d.q {
		d.q[i] = precision.Round(c.dt, 2*d.q[i])
	}
	if !c.dense {
		rows := 1
		d.idxShape = []int{c.W}
		switch c.gran {
		case ops.PerKVHead:
			rows, d.idxShape = c.Hk, []int{c.Hk, c.W}
		case ops.PerQuery:
			rows, d.idxShape = c.Tq*c.Hk, []int{c.Tq, c.Hk, c.W}
		}
		d.idx = make([]int32, rows*c.W)
		for i := range d.idx {
			d.idx[i] = int32(rng.IntN(c.S))
			if rng.IntN(10) == 0 {
				d.idx[i] = -1
			}
		}
	}
	if c.causal || (c.rope != nil && c.rope.KeyPos != ops.KeyPosRank) {
		d.kpos = make([]int32, c.S)
		for s, p := range rng.Perm(c.S) {
			d.kpos[s] = int32(p)
		}
		d.qpos = make([]int32, c.Tq)
		for t := range d.qpos {
			d.qpos[t] = int32(c.S/2 + rng.IntN(c.S/2))
		}
	}
	if c.sinks {
		d.sinks = make([]float32, c.Hq)
		for h := range d.sinks {
			d.sinks[h] = float32(2 * rng.NormFloat64())
		}
	}
	return d
}

// run computes the case on b and returns O and LSE widened to float64.
func (c *attnCase) run(b ops.Backend, d attnData) (o, lse []float64, err error) {
	ts := &tensors{b: b}
	defer ts.free()
	a := &ops.AttentionArgs{Scale: 0, SoftCap: c.softcap, RoPE: c.rope}
	if a.Q, err = ts.floats(c.dt, d.q, c.Tq, c.Hq, c.D); err != nil {
		return nil, nil, err
	}
	if a.K, err = ts.floats(c.dt, d.k, c.S, c.Hk, c.D); err != nil {
		return nil, nil, err
	}
	if a.V, err = ts.floats(c.dt, d.v, c.S, c.Hk, c.D); err != nil {
		return nil, nil, err
	}
	if a.O, err = ts.alloc(c.dt, c.Tq, c.Hq, c.D); err != nil {
		return nil, nil, err
	}
	if a.LSE, err = ts.alloc(ops.F32, c.Tq, c.Hq); err != nil {
		return nil, nil, err
	}
	if d.idx != nil {
		a.Sel.Granularity = c.gran
		if a.Sel.Indices, err = ts.ints(d.idx, d.idxShape...); err != nil {
			return nil, nil, err
		}
	}
	if d.qpos != nil {
		if a.QPos, err = ts.ints(d.qpos, c.Tq); err != nil {
			return nil, nil, err
		}
		if a.KPos, err = ts.ints(d.kpos, c.S); err != nil {
			return nil, nil, err
		}
	}
	if d.sinks != nil {
		if a.Sinks, err = ts.floats(ops.F32, d.sinks, c.Hq); err != nil {
			return nil, nil, err
		}
	}
	if err := b.Attention(a); err != nil {
		return nil, nil, err
	}
	if err := b.Sync(); err != nil {
		return nil, nil, err
	}
	if o, err = download64(b, a.O); err != nil {
		return nil, nil, err
	}
	lse, err = download64(b, a.LSE)
	return o, lse, err
}

// truth is the case's float64 reference.
func (c *attnCase) truth(d attnData) *precision.RefAttentionResult {
	a := &precision.RefAttentionArgs{Tq: c.Tq, Hq: c.Hq, Hk: c.Hk, S: c.S, D: c.D, Dv: c.D,
		Q: widen(d.q), K: widen(d.k), V: widen(d.v), QPos: d.qpos, KPos: d.kpos,
		SoftCap: float64(c.softcap), Sinks: widen(d.sinks), RoPE: c.rope}
	if d.idx != nil {
		a.Indices, a.W, a.Granularity = d.idx, c.W, c.gran
	}
	return precision.RefAttention(a)
}

// checkAttention runs every attention case on c.Test and compares O and
// LSE with the float64 reference (precision.AttentionOBound and
// AttentionLSEBound; rows with no visible key exactly O = 0 and LSE =
// -Inf or the sink) and, with a reference backend, with its result
// (within the sum of the two backends' bounds).
func checkAttention(c *Ctx) ([]Result, error) {
	cases, err := attnCases(c.Quick)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x617474656e64))
	var out []Result
	for i := range cases {
		ac := &cases[i]
		d := ac.data(rng)
		rs, err := c.compare("attend", ac.name, func(b ops.Backend) ([]float64, error) {
			o, lse, err := ac.run(b, d)
			return append(o, lse...), err
		}, func() ([]float64, boundFunc) {
			ref := ac.truth(d)
			return append(ref.O, ref.LSE...), ac.bound(ref)
		})
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// bound returns the per-element bound of O followed by LSE.
func (ac *attnCase) bound(ref *precision.RefAttentionResult) boundFunc {
	nO, Dv := len(ref.O), ac.D
	mag := make([]float64, len(ref.Visible))
	for row := range mag {
		for _, m := range ref.Mag[row*Dv : (row+1)*Dv] {
			mag[row] = max(mag[row], m)
		}
	}
	return func(i int, got float64) float64 {
		if i < nO {
			if ref.Visible[i/Dv] == 0 {
				return 0
			}
			return precision.AttentionOBound(ac.dt, mag[i/Dv], got, ref.O[i])
		}
		if ref.Visible[i-nO] == 0 {
			return 0
		}
		return precision.AttentionLSEBound(ref.LSE[i-nO])
	}
}
