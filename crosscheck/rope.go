package crosscheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func init() { Register("rope", checkRoPE) }

// ropeCheckPositions are always among a RoPE check's positions: both
// ends of short contexts, the model context lengths, 2^20, and 2^24+1
// (the first integer float32 cannot hold); random positions below 2^20
// fill the rest.
var ropeCheckPositions = []int32{0, 1, 2, 4095, 4096, 8191, 8192, 65535, 131071, 1 << 20, 1<<24 + 1}

// ropeCase is one RoPE check configuration.
type ropeCase struct {
	name   string
	rot    *ops.Rotary
	hq, hk int
	dt     ops.DType
	mode   ops.AngleMode
}

// checkRoPE compares RoPE of c.Test with c.Ref, when set (Accurate:
// bit-identical; Compat: within 1 ulp), and with a float64 reference:
// the exact cos and sin of the mode's angle (Accurate:
// pos·inv_freq formed in float64; Compat: the float32 angle
// float32(float32(pos)·inv_freq_f32) Hugging Face forms), times the
// attention factor, and an exact rotation of the dtype's input values.
// Against fp64 every output of a pair (a, b) must lie within
// ε = 6·2^-24·attention_factor·max(|a|, |b|) of the truth before the
// final rounding — one rounding of cos and of sin, of the attention
// factor, of two products and of their sum, with |cos|+|sin| ≤ √2 — so
// f32 outputs are within ε of the truth and bf16 and f16 outputs lie in
// [round(truth−ε), round(truth+ε)]; bf16 outputs must also equal the
// correctly rounded truth but for fewer than 1e-3 of them. Elements
// beyond the rotary dims must be unchanged.
func checkRoPE(c *Ctx) ([]Result, error) {
	cases, err := ropeCases(c.Quick)
	if err != nil {
		return nil, err
	}
	T := 48
	if c.Quick {
		T = 24
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x726f746f72))
	pos := append([]int32(nil), ropeCheckPositions...)
	for len(pos) < T {
		pos = append(pos, int32(rng.IntN(1<<20)))
	}
	var out []Result
	for _, rc := range cases {
		rs, err := checkRoPECase(c, rc, pos, rng)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// ropeCases lists the configurations: each model's schedule (NeoX), one
// GPT-J layout and one partial rotary, each in bf16, f32 and f16 with
// Accurate and Compat angles.
func ropeCases(quick bool) ([]ropeCase, error) {
	type sched struct {
		name   string
		rot    *ops.Rotary
		hq, hk int
	}
	var scheds []sched
	for i, m := range bench.Models() {
		if quick && i%2 == 1 {
			continue
		}
		r, err := m.Rotary(m.Context)
		if err != nil {
			return nil, err
		}
		scheds = append(scheds, sched{m.Name + " " + r.Type, r, m.QHeads, m.KVHeads})
	}
	base, err := ops.Default(ops.RoPEParams{HeadDim: 128, Base: 10000, Layout: ops.GPTJ})
	if err != nil {
		return nil, err
	}
	scheds = append(scheds, sched{"default gptj", base, 8, 2})
	part, err := ops.Default(ops.RoPEParams{HeadDim: 128, RotaryDim: 64, Base: 10000})
	if err != nil {
		return nil, err
	}
	scheds = append(scheds, sched{"default partial 64/128", part, 8, 2})
	var cs []ropeCase
	for _, s := range scheds {
		for _, dt := range []ops.DType{ops.BF16, ops.F32, ops.F16} {
			for _, m := range []ops.AngleMode{ops.Accurate, ops.Compat} {
				cs = append(cs, ropeCase{
					name: fmt.Sprintf("%s %s %s", s.name, dt, m),
					rot:  s.rot, hq: s.hq, hk: s.hk, dt: dt, mode: m,
				})
			}
		}
	}
	return cs, nil
}

// checkRoPECase runs one case on c.Test and compares it with the float64
// truth and, when c.Ref is set, with c.Ref.
func checkRoPECase(c *Ctx, rc ropeCase, pos []int32, rng *rand.Rand) ([]Result, error) {
	T, D := len(pos), rc.rot.HeadDim
	res := Result{Op: "rope", Case: fmt.Sprintf("%s T=%d", rc.name, T), Backend: c.Test.Name(), Reference: "fp64"}
	q := randomRounded(rng, rc.dt, T*rc.hq*D)
	k := randomRounded(rng, rc.dt, T*rc.hk*D)
	args := ropeHost{dt: rc.dt, rot: rc.rot, mode: rc.mode, pos: pos, hq: rc.hq, hk: rc.hk, q: q, k: k}
	gq, gk, err := args.run(c.Test)
	if errors.Is(err, ops.ErrUnsupported) {
		res.Criterion, res.Notes = "runs", err.Error()
		return []Result{res}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", res.Case, c.Test.Name(), err)
	}
	got := append(gq, gk...)
	tq := ropeTruth(rc, q, rc.hq, pos)
	tk := ropeTruth(rc, k, rc.hk, pos)
	compareTruth(&res, rc, got, append(q, k...), append(tq, tk...))
	out := []Result{res}
	if c.Ref == nil {
		return out, nil
	}
	wq, wk, err := args.run(c.Ref)
	if err != nil {
		return out, fmt.Errorf("%s on %s: %w", res.Case, c.Ref.Name(), err)
	}
	rr := Result{Op: "rope", Case: res.Case, Backend: c.Test.Name(), Reference: c.Ref.Name()}
	compareBackends(&rr, rc, got, append(wq, wk...))
	return append(out, rr), nil
}

// compareBackends fills res from a backend-to-backend comparison:
// Accurate must be bit-identical, Compat within 1 ulp of the dtype.
func compareBackends(res *Result, rc ropeCase, got, want []float32) {
	tol := uint64(0)
	res.Criterion = "bit-identical"
	if rc.mode == ops.Compat {
		tol = 1
		res.Criterion = "within 1 ulp"
	}
	res.Compared = len(got)
	for i := range got {
		var d uint64
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			d = max(1, precision.ULPDistance(rc.dt, got[i], want[i]))
		}
		res.MaxErr = max(res.MaxErr, float64(d))
		if d > tol {
			if res.Mismatches == 0 {
				res.Notes = fmt.Sprintf("element %d: %v vs %v", i, got[i], want[i])
			}
			res.Mismatches++
		}
	}
	res.Pass = res.Mismatches == 0
}

// compareTruth fills res from a comparison with the float64 truth (see
// checkRoPE for the criteria). in holds the inputs, for the f32 bound and
// the unrotated elements.
func compareTruth(res *Result, rc ropeCase, got, in []float32, truth []float64) {
	r := rc.rot
	D, half := r.HeadDim, r.Dim/2
	res.Compared = len(got)
	fail := func(i int, why string) {
		if res.Notes == "" {
			res.Notes = fmt.Sprintf("element %d: %v, truth %v: %s", i, got[i], truth[i], why)
		}
	}
	bad := 0
	for h := 0; h < len(got)/D; h++ {
		o := h * D
		for e := r.Dim; e < D; e++ {
			if math.Float32bits(got[o+e]) != math.Float32bits(in[o+e]) {
				bad++
				fail(o+e, "pass-through element changed")
			}
		}
		for j := 0; j < half; j++ {
			ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
			scale := r.AttentionFactor * math.Max(math.Abs(float64(in[o+ia])), math.Abs(float64(in[o+ib])))
			for _, i := range []int{o + ia, o + ib} {
				if rc.dt == ops.F32 {
					e := math.Abs(float64(got[i])-truth[i]) / (scale * 0x1p-24)
					if scale == 0 {
						e = math.Abs(float64(got[i]))
					}
					res.MaxErr = max(res.MaxErr, e)
					if !(e <= 6) {
						bad++
						fail(i, fmt.Sprintf("%.3g·2^-24 of the pair's scale", e))
					}
					continue
				}
				eps := 6 * 0x1p-24 * scale
				lo := precision.RoundFromFloat64(rc.dt, truth[i]-eps)
				hi := precision.RoundFromFloat64(rc.dt, truth[i]+eps)
				d := precision.ULPDistance(rc.dt, got[i], precision.RoundFromFloat64(rc.dt, truth[i]))
				res.MaxErr = max(res.MaxErr, float64(d))
				if d != 0 {
					res.Mismatches++
				}
				if !(lo <= got[i] && got[i] <= hi) {
					bad++
					fail(i, fmt.Sprintf("outside [%v, %v]", lo, hi))
				}
			}
		}
	}
	switch rc.dt {
	case ops.F32:
		res.Criterion = "|err| ≤ 6·2^-24·attn·max(|a|,|b|) (max err in those units)"
		res.Mismatches = bad
		res.Pass = bad == 0
	case ops.BF16:
		res.Criterion = "in round(truth ± 6·2^-24·attn·max(|a|,|b|)), < 1e-3 off round(truth) (max err in ulps)"
		res.Pass = bad == 0 && float64(res.Mismatches) < 1e-3*float64(res.Compared)
	default:
		res.Criterion = "in round(truth ± 6·2^-24·attn·max(|a|,|b|)) (max err in ulps)"
		res.Pass = bad == 0
	}
}

// ropeTruth returns the float64 rotation of x ([T, H, D] dtype values) by
// the exact cos and sin of the case's angles; unrotated elements are
// copied. The float64 product pos·inv_freq is off the exact angle by at
// most 2^-53·pos rad, below 4e-9 rad for the positions checked (≤ 2^24+1),
// far inside the tolerances.
func ropeTruth(rc ropeCase, x []float32, H int, pos []int32) []float64 {
	r := rc.rot
	D := r.HeadDim
	f32 := r.F32()
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	for t, p := range pos {
		for j := 0; j < r.Dim/2; j++ {
			theta := float64(p) * r.InvFreq[j]
			if rc.mode == ops.Compat {
				theta = float64(float32(float32(p) * f32[j]))
			}
			s, c := math.Sincos(theta)
			c, s = c*r.AttentionFactor, s*r.AttentionFactor
			ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
			for h := 0; h < H; h++ {
				o := (t*H + h) * D
				a, b := float64(x[o+ia]), float64(x[o+ib])
				out[o+ia], out[o+ib] = a*c-b*s, b*c+a*s
			}
		}
	}
	return out
}

// randomRounded returns n standard-normal values rounded to dt.
func randomRounded(rng *rand.Rand, dt ops.DType, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = precision.Round(dt, float32(rng.NormFloat64()))
	}
	return x
}
