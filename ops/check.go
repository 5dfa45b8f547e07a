package ops

import (
	"fmt"
	"math"
)

// CheckTensor checks that t is non-nil, lives on backend (when backend is
// not ""), has one of the dtypes given, has the given rank, non-negative
// extents, a valid row stride and offset, and memory long enough for every
// element it addresses. arg names the tensor in errors.
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
	if t.Stride < 0 || (t.Stride > 0 && t.Stride < t.RowWidth()) {
		return Errorf(ErrStride, arg+".stride", t.Stride, "want 0 (dense) or ≥ row width %d", t.RowWidth())
	}
	if t.Offset < 0 {
		return Errorf(ErrStride, arg+".offset", t.Offset, "want ≥ 0")
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
	need := 0
	if span := t.SpanElems(); span > 0 {
		need = (t.Offset + span) * t.DType.Size()
	}
	if need > t.Mem.Bytes() {
		return Errorf(ErrBuffer, arg+".mem", t.Mem.Bytes(), "%d bytes needed for %v", need, t)
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
