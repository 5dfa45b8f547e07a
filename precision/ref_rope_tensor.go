package precision

import (
	"github.com/rotorkernels/rotor/ops"
)

// TensorF64 is a dense row-major float64 array with its shape: the form
// of float64 reference inputs and outputs.
type TensorF64 struct {
	Shape []int
	Data  []float64
}

// NewTensorF64 returns a zeroed TensorF64 of the given shape. A negative
// dimension is an ops.ErrShape error.
func NewTensorF64(shape ...int) (*TensorF64, error) {
	n, err := shapeLen(shape)
	if err != nil {
		return nil, err
	}
	return &TensorF64{Shape: append([]int(nil), shape...), Data: make([]float64, n)}, nil
}

// TensorF64FromFloat32 returns a TensorF64 of the given shape holding the
// exact float64 values of x; len(x) must equal the product of shape.
func TensorF64FromFloat32(x []float32, shape ...int) (*TensorF64, error) {
	t, err := NewTensorF64(shape...)
	if err != nil {
		return nil, err
	}
	if len(x) != len(t.Data) {
		return nil, ops.Errorf(ops.ErrShape, "x", len(x), "want %d elements for shape %v", len(t.Data), shape)
	}
	Float64SliceFromFloat32(t.Data, x)
	return t, nil
}

// Len returns the number of elements the shape describes.
func (t *TensorF64) Len() int {
	n, _ := shapeLen(t.Shape)
	return n
}

func shapeLen(shape []int) (int, error) {
	for i, d := range shape {
		if d < 0 {
			return 0, ops.Errorf(ops.ErrShape, "shape", shape, "dimension %d is negative", i)
		}
	}
	n, ok := ops.Size(shape...)
	if _, fits := ops.Size(n, 8); !ok || !fits {
		return 0, ops.Errorf(ops.ErrShape, "shape", shape, "a float64 array of this shape spans more than 2^48 bytes")
	}
	return n, nil
}

// RefRoPETensorF64 is RefRoPE on a [T, H, r.HeadDim] tensor with
// T = len(pos): it returns a new tensor of the same shape.
func RefRoPETensorF64(x *TensorF64, pos []int32, r *ops.Rotary, freqs FreqRef) (*TensorF64, error) {
	if x == nil {
		return nil, ops.Errorf(ops.ErrShape, "x", nil, "a tensor is required")
	}
	if len(x.Shape) != 3 {
		return nil, ops.Errorf(ops.ErrShape, "x", x.Shape, "want rank 3 [tokens, heads, head_dim]")
	}
	n, err := shapeLen(x.Shape)
	if err != nil {
		return nil, err
	}
	if len(x.Data) != n {
		return nil, ops.Errorf(ops.ErrBuffer, "x.data", len(x.Data), "want %d elements for shape %v", n, x.Shape)
	}
	if x.Shape[0] != len(pos) {
		return nil, ops.Errorf(ops.ErrShape, "x", x.Shape, "want dim 0 = len(pos) = %d", len(pos))
	}
	if r != nil && x.Shape[2] != r.HeadDim {
		return nil, ops.Errorf(ops.ErrShape, "x", x.Shape, "want dim 2 = rotary.head_dim = %d", r.HeadDim)
	}
	if x.Shape[1] < 1 {
		return nil, ops.Errorf(ops.ErrShape, "x", x.Shape, "want at least 1 head")
	}
	y, err := RefRoPE(x.Data, x.Shape[1], pos, r, freqs)
	if err != nil {
		return nil, err
	}
	return &TensorF64{Shape: append([]int(nil), x.Shape...), Data: y}, nil
}
