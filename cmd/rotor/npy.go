package main

import (
	"errors"
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/internal/npy"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// npyArray is a numeric .npy array held in memory: exactly one of the
// slices is set, per the file's dtype.
type npyArray struct {
	arg   string // the flag that gave the file, for errors ("--q")
	descr string // the file's dtype descriptor, e.g. "<f4"
	shape []int
	f32   []float32
	f64   []float64
	i32   []int32
	i64   []int64
}

// readNPY reads a C-order float32, float64, int32 or int64 .npy file
// (internal/npy validates it and checks its size before allocating). arg
// names the flag that gave the path; errors are *ops.ArgError values
// naming it and the file.
func readNPY(arg, path string) (*npyArray, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		var e *npy.Error
		if errors.As(err, &e) {
			return nil, ops.Errorf(e.Kind, arg, path, "%s", e.Msg)
		}
		return nil, err
	}
	if a.Fortran && len(a.Shape) > 1 {
		return nil, ops.Errorf(ops.ErrStride, arg, path, "Fortran-order array: save a C-order one (numpy.ascontiguousarray)")
	}
	return &npyArray{arg: arg, descr: a.Descr, shape: a.Shape, f32: a.F32, f64: a.F64, i32: a.I32, i64: a.I64}, nil
}

// checkRank returns ErrShape naming the array when its rank is not rank.
func (a *npyArray) checkRank(rank int, want string) error {
	if len(a.shape) != rank {
		return ops.Errorf(ops.ErrShape, a.arg+" shape", a.shape, "want %s", want)
	}
	return nil
}

// isFloat reports whether the array holds float32 or float64 values.
func (a *npyArray) isFloat() bool { return a.f32 != nil || a.f64 != nil }

// roundedTo returns the array's values rounded to the float dtype dt,
// widened to float32: float32 inputs are rounded once, float64 inputs
// once from float64 (no double rounding through float32).
func (a *npyArray) roundedTo(dt ops.DType) ([]float32, error) {
	switch {
	case a.f32 != nil:
		out := make([]float32, len(a.f32))
		for i, v := range a.f32 {
			out[i] = precision.Round(dt, v)
		}
		return out, nil
	case a.f64 != nil:
		out := make([]float32, len(a.f64))
		for i, v := range a.f64 {
			out[i] = precision.RoundFromFloat64(dt, v)
		}
		return out, nil
	}
	return nil, ops.Errorf(ops.ErrDType, a.arg+" dtype", a.descr, "want a float32 or float64 array")
}

// int32s returns the array's integer values as int32; an int64 value
// outside the int32 range is an ErrRange naming its index.
func (a *npyArray) int32s() ([]int32, error) {
	switch {
	case a.i32 != nil:
		return a.i32, nil
	case a.i64 != nil:
		out := make([]int32, len(a.i64))
		for i, v := range a.i64 {
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, ops.Errorf(ops.ErrRange, fmt.Sprintf("%s[%d]", a.arg, i), v, "want a value that fits in int32")
			}
			out[i] = int32(v)
		}
		return out, nil
	}
	return nil, ops.Errorf(ops.ErrDType, a.arg+" dtype", a.descr, "want an int32 or int64 array")
}
