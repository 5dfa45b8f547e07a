package sparse

import (
	"math"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// readFloats copies a float tensor of any dtype to the host as float32.
func readFloats(b ops.Backend, t *ops.Tensor) ([]float32, error) {
	var h hostBuf
	return h.floats(b, t)
}

// hostBuf holds host copies of backend tensors, reused from call to call
// so that a policy's warm step allocates nothing. A copy stays valid until
// the next read into the same buffer.
type hostBuf struct {
	f   []float32
	raw []uint16
	i   []int32
}

// floats copies a float tensor of any dtype to the host as float32.
func (h *hostBuf) floats(b ops.Backend, t *ops.Tensor) ([]float32, error) {
	n := t.Len()
	h.f = grow.Slice(h.f, n)
	out := h.f
	switch t.DType {
	case ops.F32:
		return out, b.Read(ops.Bytes(out), t)
	case ops.BF16, ops.F16:
		h.raw = grow.Slice(h.raw, n)
		if err := b.Read(ops.Bytes(h.raw), t); err != nil {
			return nil, err
		}
		for i, u := range h.raw {
			if t.DType == ops.BF16 {
				out[i] = precision.BF16(u).Float32()
			} else {
				out[i] = float16.Frombits(u).Float32()
			}
		}
		return out, nil
	}
	return nil, ops.Errorf(ops.ErrDType, "tensor.dtype", t.DType, "want f32, bf16 or f16")
}

// ints copies an I32 tensor to the host.
func (h *hostBuf) ints(b ops.Backend, t *ops.Tensor) ([]int32, error) {
	h.i = grow.Slice(h.i, t.Len())
	return h.i, b.Read(ops.Bytes(h.i), t)
}

// floatBytes encodes host float32 values as little-endian bytes of dtype
// dt (bf16 rounds to nearest even, f16 as x448/float16 does).
func floatBytes(dt ops.DType, v []float32) []byte {
	switch dt {
	case ops.BF16:
		u := make([]uint16, len(v))
		for i, f := range v {
			u[i] = uint16(precision.BF16FromFloat32(f))
		}
		return ops.Bytes(u)
	case ops.F16:
		u := make([]uint16, len(v))
		for i, f := range v {
			u[i] = float16.Fromfloat32(f).Bits()
		}
		return ops.Bytes(u)
	}
	c := append([]float32(nil), v...)
	return ops.Bytes(c)
}

// readI32 copies an I32 tensor to the host.
func readI32(b ops.Backend, t *ops.Tensor) ([]int32, error) {
	var h hostBuf
	return h.ints(b, t)
}

// cosine returns the cosine similarity of a and b in float64, or NaN when
// either is zero or not finite.
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	c := ab / math.Sqrt(aa*bb)
	if math.IsInf(c, 0) {
		return math.NaN()
	}
	return c
}
