package ops

import (
	"fmt"
	"math"
)

// CheckTensor checks that t is non-nil, lives on backend (when backend is
// not ""), has one of the dtypes given, has the given rank, non-negative
// extents, a valid row stride and offset, and memory long enough for every
// element it addresses. Sizes are checked with Size: extents whose
// product exceeds MaxSize, and an offset, row stride or span beyond it,
// are errors, so no size a tensor passing this check implies overflows.
// arg names the tensor in errors.
func CheckTensor(arg string, t *Tensor, backend string, rank int, dtypes ...DType) error {
	if t == nil {
		return Errorf(ErrShape, arg, nil, "a tensor is required")
	}
	if len(dtypes) > 0 {
		ok := false
		for _, d := range dtypes {
			ok = ok || t.DType == d
		}
		if !ok {
			return Errorf(ErrDType, arg+".dtype", t.DType, "want one of %v", append([]DType(nil), dtypes...)) // a copy, so dtypes does not escape
		}
	} else if t.DType.Size() == 0 {
		return Errorf(ErrDType, arg+".dtype", t.DType, "want f32, bf16, f16 or i32")
	}
	if len(t.Shape) != rank {
		return Errorf(ErrShape, arg+".shape", t.Shape, "want rank %d", rank)
	}
	for i, d := range t.Shape {
		if d < 0 {
			return Errorf(ErrShape, fmt.Sprintf("%s.shape[%d]", arg, i), d, "want ≥ 0")
		}
	}
	if _, ok := Size(t.Shape...); !ok {
		return Errorf(ErrShape, arg+".shape", t.Shape, "want extents whose product is at most 2^48")
	}
	// From here on RowWidth, Len and every product of extents are exact.
	if t.Stride < 0 || (t.Stride > 0 && t.Stride < t.RowWidth()) || t.Stride > maxSize {
		return Errorf(ErrStride, arg+".stride", t.Stride, "want 0 (dense) or from the row width %d to 2^48", t.RowWidth())
	}
	if t.Offset < 0 || t.Offset > maxSize {
		return Errorf(ErrStride, arg+".offset", t.Offset, "want 0 to 2^48")
	}
	need, ok := spanBytes(t)
	if !ok {
		return Errorf(ErrStride, arg, t, "want a view within 2^48 bytes")
	}
	if t.Mem == nil {
		if t.Len() == 0 {
			return nil
		}
		return Errorf(ErrBuffer, arg+".mem", nil, "tensor has no memory")
	}
	if backend != "" && t.Mem.Backend() != backend {
		return Errorf(ErrBuffer, arg+".mem", t.Mem.Backend(), "memory belongs to another backend, want %s", backend)
	}
	if need > t.Mem.Bytes() {
		return Errorf(ErrBuffer, arg+".mem", t.Mem.Bytes(), "%d bytes needed for %v", need, t)
	}
	return nil
}

// spanBytes returns the bytes from the start of t's memory to one past
// the last element t addresses (0 for an empty tensor), with ok false
// when that span exceeds MaxSize. The extents must have passed Size, the
// offset and row stride be at most MaxSize.
func spanBytes(t *Tensor) (int, bool) {
	if t.Len() == 0 {
		return 0, true
	}
	// (rows-1)·stride + width + offset: each term at most MaxSize, so the
	// sum cannot overflow; Size bounds it and the element size.
	steps, ok := Size(t.Rows()-1, t.RowStride())
	if !ok {
		return 0, false
	}
	return Size(steps+t.RowWidth()+t.Offset, t.DType.Size())
}

// CheckCopy validates a Read or Write between tensor t (arg names it)
// of backend and n dense host bytes (host names them): t non-nil and
// valid at its own rank, and n = t.Len()·t.DType.Size().
func CheckCopy(arg string, t *Tensor, backend, host string, n int) error {
	if t == nil {
		return Errorf(ErrShape, arg, nil, "a tensor is required")
	}
	if err := CheckTensor(arg, t, backend, len(t.Shape)); err != nil {
		return err
	}
	if want := t.Len() * t.DType.Size(); n != want {
		return Errorf(ErrBuffer, host, n, "want %d bytes for %v", want, t)
	}
	return nil
}

// CheckDim checks that t.Shape[i] == want.
func CheckDim(arg string, t *Tensor, i, want int) error {
	if t.Shape[i] != want {
		return Errorf(ErrShape, fmt.Sprintf("%s.shape[%d]", arg, i), t.Shape[i], "want %d", want)
	}
	return nil
}

// CheckFinite returns ErrRange when v is NaN or ±Inf.
func CheckFinite(arg string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Errorf(ErrRange, arg, v, "want a finite number")
	}
	return nil
}

// checkGroupedKV checks a kv-head tensor [rows, Hk, D] read by Hq query
// heads (grouped-query attention): one of dtypes, Hk ≥ 1 dividing Hq, and
// the head dimension D. It returns rows and Hk.
func checkGroupedKV(arg string, t *Tensor, backend string, Hq, D int, dtypes ...DType) (rows, Hk int, err error) {
	if err := CheckTensor(arg, t, backend, 3, dtypes...); err != nil {
		return 0, 0, err
	}
	rows, Hk = t.Shape[0], t.Shape[1]
	if Hk < 1 || Hq%Hk != 0 {
		return 0, 0, Errorf(ErrShape, arg+".shape[1]", Hk, "want a kv-head count ≥ 1 dividing q heads %d", Hq)
	}
	if err := CheckDim(arg, t, 2, D); err != nil {
		return 0, 0, err
	}
	return rows, Hk, nil
}
