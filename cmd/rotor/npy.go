package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// npyArray is a numeric .npy array held in memory: exactly one of the
// slices is set, per the file's dtype.
type npyArray struct {
	arg   string // the flag or file it came from, for errors
	descr string // the file's dtype descriptor, e.g. "<f4"
	shape []int
	f32   []float32
	f64   []float64
	i32   []int32
	i64   []int64
}

// readNPY reads a C-order float32, float64, int32 or int64 .npy file. arg
// names the flag that gave the path, for errors.
func readNPY(arg, path string) (*npyArray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ops.Errorf(ops.ErrConfig, arg, path, "cannot open: %v", err)
	}
	defer f.Close()
	r, err := npy.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, ops.Errorf(ops.ErrConfig, arg, path, "not a .npy file: %v", err)
	}
	h := r.Header.Descr
	if h.Fortran {
		return nil, ops.Errorf(ops.ErrStride, arg, path, "Fortran-order array: save a C-order one (numpy.ascontiguousarray)")
	}
	a := &npyArray{arg: arg, descr: strings.Trim(h.Type, `'"`), shape: append([]int(nil), h.Shape...)}
	n := 1
	for _, d := range a.shape {
		n *= d
	}
	var ptr any
	switch t := npy.TypeFrom(h.Type); t {
	case reflect.TypeOf(float32(0)):
		a.f32 = make([]float32, n)
		ptr = &a.f32
	case reflect.TypeOf(float64(0)):
		a.f64 = make([]float64, n)
		ptr = &a.f64
	case reflect.TypeOf(int32(0)):
		a.i32 = make([]int32, n)
		ptr = &a.i32
	case reflect.TypeOf(int64(0)):
		a.i64 = make([]int64, n)
		ptr = &a.i64
	default:
		return nil, ops.Errorf(ops.ErrDType, arg+".dtype", a.descr, "want float32, float64, int32 or int64")
	}
	if n > 0 {
		if err := r.Read(ptr); err != nil {
			return nil, ops.Errorf(ops.ErrBuffer, arg, path, "reading %d elements of %s: %v", n, h.Type, err)
		}
	}
	return a, nil
}

// checkRank returns ErrShape naming the array when its rank is not rank.
func (a *npyArray) checkRank(rank int, want string) error {
	if len(a.shape) != rank {
		return ops.Errorf(ops.ErrShape, a.arg+".shape", a.shape, "want %s", want)
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
	return nil, ops.Errorf(ops.ErrDType, a.arg+".dtype", a.descr, "want a float32 or float64 array")
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
	return nil, ops.Errorf(ops.ErrDType, a.arg+".dtype", a.descr, "want an int32 or int64 array")
}

// writeNPYFloat32 writes data as a C-order float32 .npy file of the given
// shape.
func writeNPYFloat32(path string, data []float32, shape ...int) error {
	return writeNPY(path, data, len(data), shape)
}

// writeNPYInt32 writes data as a C-order int32 .npy file of the given
// shape.
func writeNPYInt32(path string, data []int32, shape ...int) error {
	return writeNPY(path, data, len(data), shape)
}

// writeNPY writes a flat slice as an array of the given shape: the slice
// is viewed as nested slices (no copy) so the .npy header carries the
// full shape.
func writeNPY(path string, flat any, n int, shape []int) error {
	want := 1
	for _, d := range shape {
		want *= d
	}
	if len(shape) == 0 || want != n || want == 0 {
		return ops.Errorf(ops.ErrShape, path, shape, "want a non-empty shape holding %d elements", n)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := npy.Write(w, nest(reflect.ValueOf(flat), shape).Interface()); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// nest views the flat slice v as nested slices of the given shape.
func nest(v reflect.Value, shape []int) reflect.Value {
	if len(shape) == 1 {
		return v
	}
	inner := 1
	for _, d := range shape[1:] {
		inner *= d
	}
	first := nest(v.Slice(0, inner), shape[1:])
	out := reflect.MakeSlice(reflect.SliceOf(first.Type()), shape[0], shape[0])
	out.Index(0).Set(first)
	for i := 1; i < shape[0]; i++ {
		out.Index(i).Set(nest(v.Slice(i*inner, (i+1)*inner), shape[1:]))
	}
	return out
}
