package precision

import (
	"errors"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// BackendPipeline returns a pipeline that runs b's RoPE op in angle mode
// m, so any backend (the CUDA kernels included) is audited by the same
// code as the models. Its name is b.Name() + ":" + m.
//
// Rotate writes x into tensors of dtype dt allocated on b, splitting the
// heads between q and k when there are at least two (so both halves of
// the op are exercised), calls b.RoPE once and reads the results back.
// Tables probes the op: it rotates, in F32, one head per position whose
// pairs are (1, 0), which any float32 rotation returns as exactly (c, s).
func BackendPipeline(b ops.Backend, m ops.AngleMode) Pipeline {
	return backendPipe{b: b, mode: m}
}

type backendPipe struct {
	b    ops.Backend
	mode ops.AngleMode
}

func (p backendPipe) Name() string { return p.b.Name() + ":" + p.mode.String() }

func (p backendPipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	half := r.Pairs()
	x := make([]float32, len(pos)*r.HeadDim)
	for t := range pos {
		for j := range half {
			a, _ := ops.PairIndex(r.Layout, r.Dim, j)
			x[t*r.HeadDim+a] = 1
		}
	}
	y, err := p.run(r, ops.F32, pos, 1, x)
	if err != nil {
		return nil, nil, err
	}
	cos, sin := make([]float64, len(pos)*half), make([]float64, len(pos)*half)
	for t := range pos {
		for j := range half {
			a, b := ops.PairIndex(r.Layout, r.Dim, j)
			cos[t*half+j], sin[t*half+j] = y[t*r.HeadDim+a], y[t*r.HeadDim+b]
		}
	}
	return cos, sin, nil
}

func (p backendPipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	return p.run(r, dt, pos, heads, x)
}

// run performs one RoPE call on the backend: the first hq heads of each
// row go to q, the rest to k.
func (p backendPipe) run(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) (y []float64, err error) {
	n, hd := len(pos), r.HeadDim
	if n == 0 {
		return []float64{}, nil
	}
	hq := heads
	if heads >= 2 {
		hq = heads / 2
	}
	hk := heads - hq
	qHost := make([]float32, n*hq*hd)
	kHost := make([]float32, n*hk*hd)
	for t := range n {
		copy(qHost[t*hq*hd:(t+1)*hq*hd], x[t*heads*hd:])
		copy(kHost[t*hk*hd:(t+1)*hk*hd], x[(t*heads+hq)*hd:(t+1)*heads*hd])
	}
	var free []*ops.Tensor
	defer func() {
		for _, t := range free {
			if ferr := p.b.Free(t); err == nil && ferr != nil {
				err = ferr
			}
		}
	}()
	alloc := func(dt ops.DType, shape ...int) (*ops.Tensor, error) {
		t, err := p.b.Alloc(dt, shape...)
		if err == nil {
			free = append(free, t)
		}
		return t, err
	}
	q, err := alloc(dt, n, hq, hd)
	if err != nil {
		return nil, err
	}
	if err := p.b.Write(q, pipeHostBytes(dt, qHost)); err != nil {
		return nil, err
	}
	var k *ops.Tensor
	if hk > 0 {
		if k, err = alloc(dt, n, hk, hd); err != nil {
			return nil, err
		}
		if err := p.b.Write(k, pipeHostBytes(dt, kHost)); err != nil {
			return nil, err
		}
	}
	pt, err := alloc(ops.I32, n)
	if err != nil {
		return nil, err
	}
	if err := p.b.Write(pt, ops.Bytes(pos)); err != nil {
		return nil, err
	}
	if err := p.b.RoPE(&ops.RoPEArgs{Q: q, K: k, Positions: pt, Rotary: r, Angles: p.mode}); err != nil {
		return nil, err
	}
	if err := p.b.Sync(); err != nil {
		return nil, err
	}
	qOut, err := pipeReadHost(p.b, q)
	if err != nil {
		return nil, err
	}
	kOut := []float32{}
	if k != nil {
		if kOut, err = pipeReadHost(p.b, k); err != nil {
			return nil, err
		}
	}
	y = make([]float64, len(x))
	for t := range n {
		Float64SliceFromFloat32(y[t*heads*hd:], qOut[t*hq*hd:(t+1)*hq*hd])
		Float64SliceFromFloat32(y[(t*heads+hq)*hd:], kOut[t*hk*hd:(t+1)*hk*hd])
	}
	return y, nil
}

// pipeHostBytes encodes float32 values (representable in dt) as dense
// little-endian dt elements.
func pipeHostBytes(dt ops.DType, v []float32) []byte {
	switch dt {
	case ops.BF16:
		u := make([]uint16, len(v))
		BF16SliceFromFloat32(u, v)
		return ops.Bytes(u)
	case ops.F16:
		u := make([]uint16, len(v))
		F16SliceFromFloat32(u, v)
		return ops.Bytes(u)
	}
	return ops.Bytes(append([]float32(nil), v...))
}

// pipeReadHost reads a float tensor back as float32 values.
func pipeReadHost(b ops.Backend, t *ops.Tensor) ([]float32, error) {
	n := t.Len()
	out := make([]float32, n)
	switch t.DType {
	case ops.F32:
		return out, b.Read(ops.Bytes(out), t)
	case ops.BF16, ops.F16:
		u := make([]uint16, n)
		if err := b.Read(ops.Bytes(u), t); err != nil {
			return nil, err
		}
		if t.DType == ops.BF16 {
			Float32SliceFromBF16(out, u)
		} else {
			Float32SliceFromF16(out, u)
		}
		return out, nil
	}
	return nil, ops.Errorf(ops.ErrDType, "dtype", t.DType, "want f32, bf16 or f16")
}

// auditUnsupported reports whether err says a backend lacks an op or dtype.
func auditUnsupported(err error) bool { return errors.Is(err, ops.ErrUnsupported) }

// auditNaN is the value of a metric a pipeline could not provide.
var auditNaN = math.NaN()
