package bench

import "github.com/rotorkernels/rotor/ops"

// tensorSet allocates the tensors of one benchmark row or check on a
// backend and frees them together.
type tensorSet struct {
	b  ops.Backend
	ts []*ops.Tensor
}

// alloc allocates a tensor that free releases.
func (s *tensorSet) alloc(dt ops.DType, shape ...int) (*ops.Tensor, error) {
	t, err := s.b.Alloc(dt, shape...)
	if err == nil {
		s.ts = append(s.ts, t)
	}
	return t, err
}

// upload allocates a tensor and writes the dense little-endian host bytes
// into it.
func (s *tensorSet) upload(dt ops.DType, host []byte, shape ...int) (*ops.Tensor, error) {
	t, err := s.alloc(dt, shape...)
	if err != nil {
		return nil, err
	}
	return t, s.b.Write(t, host)
}

// free releases every tensor of the set.
func (s *tensorSet) free() {
	for _, t := range s.ts {
		_ = s.b.Free(t)
	}
	s.ts = nil
}
