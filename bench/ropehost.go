package bench

import "github.com/rotorkernels/rotor/ops"

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
	ts := &tensorSet{b: b}
	defer ts.free()
	upload := ts.upload
	qt, err := upload(a.dt, encodeHost(a.dt, a.q), T, a.hq, D)
	if err != nil {
		return nil, nil, err
	}
	kt, err := upload(a.dt, encodeHost(a.dt, a.k), T, a.hk, D)
	if err != nil {
		return nil, nil, err
	}
	pt, err := upload(ops.I32, ops.Bytes(a.pos), T)
	if err != nil {
		return nil, nil, err
	}
	if err := b.RoPE(&ops.RoPEArgs{Q: qt, K: kt, Positions: pt, Rotary: a.rot, Angles: a.mode}); err != nil {
		return nil, nil, err
	}
	if err := b.Sync(); err != nil {
		return nil, nil, err
	}
	if q, err = download(b, qt); err != nil {
		return nil, nil, err
	}
	if k, err = download(b, kt); err != nil {
		return nil, nil, err
	}
	return q, k, nil
}

// encodeHost returns the little-endian bytes of x in dtype dt (x already
// holds dt values, so the conversion is exact).
func encodeHost(dt ops.DType, x []float32) []byte {
	if dt == ops.F32 {
		return ops.Bytes(append([]float32(nil), x...))
	}
	u := make([]uint16, len(x))
	for i, v := range x {
		u[i] = narrow(dt, v)
	}
	return ops.Bytes(u)
}

// download reads t and widens it to float32.
func download(b ops.Backend, t *ops.Tensor) ([]float32, error) {
	out := make([]float32, t.Len())
	if t.DType == ops.F32 {
		return out, b.Read(ops.Bytes(out), t)
	}
	u := make([]uint16, t.Len())
	if err := b.Read(ops.Bytes(u), t); err != nil {
		return nil, err
	}
	for i, v := range u {
		out[i] = widen(t.DType, v)
	}
	return out, nil
}
