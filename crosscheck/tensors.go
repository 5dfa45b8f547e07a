package crosscheck

import (
	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/ops"
)

// tensors holds the tensors of one check case on one backend, so that
// they are freed together.
type tensors struct {
	b  ops.Backend
	ts []*ops.Tensor
}

// alloc allocates a zeroed tensor that free releases.
func (s *tensors) alloc(dt ops.DType, shape ...int) (*ops.Tensor, error) {
	t, err := s.b.Alloc(dt, shape...)
	if err == nil {
		s.ts = append(s.ts, t)
	}
	return t, err
}

// floats uploads host values (already dtype dt values, widened to
// float32) into a new tensor of dtype dt.
func (s *tensors) floats(dt ops.DType, x []float32, shape ...int) (*ops.Tensor, error) {
	t, err := s.alloc(dt, shape...)
	if err != nil {
		return nil, err
	}
	return t, s.b.Write(t, bench.EncodeFloat32(dt, x))
}

// ints uploads int32 host values into a new I32 tensor.
func (s *tensors) ints(x []int32, shape ...int) (*ops.Tensor, error) {
	t, err := s.alloc(ops.I32, shape...)
	if err != nil {
		return nil, err
	}
	return t, s.b.Write(t, ops.Bytes(x))
}

// free releases every tensor.
func (s *tensors) free() {
	for _, t := range s.ts {
		_ = s.b.Free(t)
	}
	s.ts = nil
}
