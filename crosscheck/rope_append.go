package crosscheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
)

func init() { Register("rope-append", checkRoPEAppend) }

// appendSlots is the KV-cache size of the RoPE+append checks.
const appendSlots = 64

// appendHost is one RoPE+append call on host values: q [T, hq, D], k and
// v [T, hk, D] written into slots of caches [appendSlots, hk, D] that
// start out holding kc0 and vc0.
type appendHost struct {
	ropeHost
	v, kc0, vc0 []float32
	slots       []int32
}

// run uploads the inputs to b, runs RoPEAppend and returns q, the k
// cache and the v cache, widened to float32.
func (a *appendHost) run(b ops.Backend) (q, kc, vc []float32, err error) {
	T, D := len(a.pos), a.rot.HeadDim
	ts := &tensors{b: b}
	defer ts.free()
	var args ops.RoPEAppendArgs
	in := []struct {
		dst   **ops.Tensor
		x     []float32
		shape []int
	}{
		{&args.Q, a.q, []int{T, a.hq, D}}, {&args.K, a.k, []int{T, a.hk, D}}, {&args.V, a.v, []int{T, a.hk, D}},
		{&args.KCache, a.kc0, []int{appendSlots, a.hk, D}}, {&args.VCache, a.vc0, []int{appendSlots, a.hk, D}},
	}
	for _, x := range in {
		if *x.dst, err = ts.floats(a.dt, x.x, x.shape...); err != nil {
			return nil, nil, nil, err
		}
	}
	if args.Positions, err = ts.ints(a.pos, T); err != nil {
		return nil, nil, nil, err
	}
	if args.Slots, err = ts.ints(a.slots, T); err != nil {
		return nil, nil, nil, err
	}
	args.Rotary, args.Angles = a.rot, a.mode
	if err := b.RoPEAppend(&args); err != nil {
		return nil, nil, nil, err
	}
	if err := b.Sync(); err != nil {
		return nil, nil, nil, err
	}
	out := make([][]float32, 3)
	for i, t := range []*ops.Tensor{args.Q, args.KCache, args.VCache} {
		if out[i], err = bench.Download(b, t); err != nil {
			return nil, nil, nil, err
		}
	}
	return out[0], out[1], out[2], nil
}

// checkRoPEAppend compares RoPE+append with the reference backend, when
// set (q and both caches: Accurate bit-identical, Compat within 1 ulp, as
// for RoPE), and with float64: q and the k rows written by the RoPE
// check's criteria, the v rows written and every cache row not written
// exactly.
func checkRoPEAppend(c *Ctx) ([]Result, error) {
	cases, err := ropeCases(c.Quick)
	if err != nil {
		return nil, err
	}
	const T = 8
	rng := rand.New(rand.NewPCG(c.Seed, 0x617070656e64))
	var out []Result
	for _, rc := range cases {
		D := rc.rot.HeadDim
		a := &appendHost{ropeHost: ropeHost{dt: rc.dt, rot: rc.rot, mode: rc.mode, hq: rc.hq, hk: rc.hk}}
		a.pos = make([]int32, T)
		for t := range a.pos {
			a.pos[t] = ropeCheckPositions[rng.IntN(len(ropeCheckPositions))]
		}
		a.q = randomRounded(rng, rc.dt, T*rc.hq*D)
		a.k = randomRounded(rng, rc.dt, T*rc.hk*D)
		a.v = randomRounded(rng, rc.dt, T*rc.hk*D)
		a.kc0 = randomRounded(rng, rc.dt, appendSlots*rc.hk*D)
		a.vc0 = randomRounded(rng, rc.dt, appendSlots*rc.hk*D)
		for _, s := range rng.Perm(appendSlots)[:T] {
			a.slots = append(a.slots, int32(s))
		}
		rs, err := checkAppendCase(c, rc, a)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func checkAppendCase(c *Ctx, rc ropeCase, a *appendHost) ([]Result, error) {
	T, row := len(a.pos), rc.hk*rc.rot.HeadDim
	res := Result{Op: "rope-append", Case: fmt.Sprintf("%s T=%d S=%d", rc.name, T, appendSlots), Backend: c.Test.Name(), Reference: "fp64"}
	q, kc, vc, err := a.run(c.Test)
	if errors.Is(err, ops.ErrUnsupported) {
		res.Criterion, res.Notes = "runs", err.Error()
		return []Result{res}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", res.Case, c.Test.Name(), err)
	}
	// The rotated rows: q, then the k rows in token order. The v rows and
	// the rows no token writes must be exact (copy tallies them).
	var copied Result
	got := append([]float32(nil), q...)
	written := make([]bool, appendSlots)
	for t, s := range a.slots {
		got = append(got, kc[int(s)*row:int(s+1)*row]...)
		written[s] = true
		// v is copied exactly; a.v is token-major like the cache rows.
		for e := range row {
			if w := a.v[t*row+e]; math.Float32bits(vc[int(s)*row+e]) != math.Float32bits(w) {
				copied.fail(len(q)+T*row+t*row+e, fmt.Sprintf("v cache slot %d element %d = %v, want %v", s, e, vc[int(s)*row+e], w))
			}
		}
	}
	for s := range appendSlots {
		if written[s] {
			continue
		}
		for e := range row {
			i := s*row + e
			if math.Float32bits(kc[i]) != math.Float32bits(a.kc0[i]) || math.Float32bits(vc[i]) != math.Float32bits(a.vc0[i]) {
				copied.fail(i, fmt.Sprintf("cache slot %d, which no token writes, changed", s))
				break
			}
		}
	}
	tq := ropeTruth(rc, a.q, rc.hq, a.pos)
	tk := ropeTruth(rc, a.k, rc.hk, a.pos)
	compareTruth(&res, rc, got, append(append([]float32(nil), a.q...), a.k...), append(tq, tk...))
	res.Compared += T*row + 2*(appendSlots-T)*row
	if copied.Mismatches > 0 {
		res.Pass = false
		res.Mismatches += copied.Mismatches
		if res.Notes == "" {
			res.Notes = copied.Notes
		}
	}
	out := []Result{res}
	if c.Ref == nil {
		return out, nil
	}
	wq, wkc, wvc, err := a.run(c.Ref)
	if err != nil {
		return out, fmt.Errorf("%s on %s: %w", res.Case, c.Ref.Name(), err)
	}
	rr := Result{Op: "rope-append", Case: res.Case, Backend: c.Test.Name(), Reference: c.Ref.Name()}
	compareBackends(&rr, rc, append(append(q, kc...), vc...), append(append(wq, wkc...), wvc...))
	return append(out, rr), nil
}
