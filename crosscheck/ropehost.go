package crosscheck

import (
	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
)

// ropeHost is one RoPE call on host values: q [T, hq, D] and k [T, hk,
// D] hold dtype dt values widened to float32.
type ropeHost struct {
	dt     ops.DType
	rot    *ops.Rotary
	mode   ops.AngleMode
	pos    []int32
	hq, hk int
	q, k   []float32
}

// run uploads the call's inputs to b, runs RoPE and returns the rotated
// q and k widened to float32.
func (a ropeHost) run(b ops.Backend) (q, k []float32, err error) {
	T, D := len(a.pos), a.rot.HeadDim
	ts := &tensors{b: b}
	defer ts.free()
	qt, err := ts.floats(a.dt, a.q, T, a.hq, D)
	if err != nil {
		return nil, nil, err
	}
	kt, err := ts.floats(a.dt, a.k, T, a.hk, D)
	if err != nil {
		return nil, nil, err
	}
	pt, err := ts.ints(a.pos, T)
	if err != nil {
		return nil, nil, err
	}
	if err := b.RoPE(&ops.RoPEArgs{Q: qt, K: kt, Positions: pt, Rotary: a.rot, Angles: a.mode}); err != nil {
		return nil, nil, err
	}
	if err := b.Sync(); err != nil {
		return nil, nil, err
	}
	if q, err = bench.Download(b, qt); err != nil {
		return nil, nil, err
	}
	if k, err = bench.Download(b, kt); err != nil {
		return nil, nil, err
	}
	return q, k, nil
}
