package bench

import (
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// EncodeFloat32 returns the little-endian bytes of x in dtype dt: float32
// as is, bfloat16 and binary16 rounded once, ties to even. It is how the
// benchmarks, cross-checks and the CLI upload host values.
func EncodeFloat32(dt ops.DType, x []float32) []byte {
	switch dt {
	case ops.F32:
		return ops.Bytes(append([]float32(nil), x...))
	case ops.BF16:
		u := make([]uint16, len(x))
		precision.BF16SliceFromFloat32(u, x)
		return ops.Bytes(u)
	}
	u := make([]uint16, len(x))
	precision.F16SliceFromFloat32(u, x)
	return ops.Bytes(u)
}

// Download reads the float tensor t (F32, BF16 or F16) from b, widened
// exactly to float32.
func Download(b ops.Backend, t *ops.Tensor) ([]float32, error) {
	out := make([]float32, t.Len())
	if t.DType == ops.F32 {
		return out, b.Read(ops.Bytes(out), t)
	}
	u := make([]uint16, t.Len())
	if err := b.Read(ops.Bytes(u), t); err != nil {
		return nil, err
	}
	if t.DType == ops.BF16 {
		precision.Float32SliceFromBF16(out, u)
	} else {
		precision.Float32SliceFromF16(out, u)
	}
	return out, nil
}
