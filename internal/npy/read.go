package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"unsafe"

	"github.com/rotorkernels/rotor/ops"
)

// Array is a .npy array in memory: its header and exactly one of the
// slices, per Header.DType, holding the elements in file order (C order,
// or column-major when Header.Fortran) as machine values.
type Array struct {
	Header
	F32 []float32
	F64 []float64
	I32 []int32
	I64 []int64
}

// ReadFile reads the .npy file at path. A regular file's size is checked
// against the size its header claims before anything is allocated; a
// pipe or device is read as its bytes arrive, up to one byte past the
// claim. Errors are *Error values naming path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err // the message names the path already
		}
		return nil, &Error{Path: path, Msg: fmt.Sprintf("cannot open: %v", err), Kind: ops.ErrConfig}
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	a, err := Read(f, size)
	if e, ok := err.(*Error); ok {
		e.Path = path
	}
	return a, err
}

// Read reads a .npy array from r, which holds size bytes in all (a
// regular file's size; -1 when unknown). With a known size, data shorter
// or longer than the header claims is an error before any allocation;
// with an unknown one, memory grows only as data arrives.
func Read(r io.Reader, size int64) (*Array, error) {
	h, err := ParseHeader(r)
	if err != nil {
		return nil, err
	}
	want := h.DataBytes()
	short := func(have int64) error {
		return errorf(ops.ErrBuffer, "holds %d bytes of data after its header; shape %v of %s needs %d", have, h.Shape, h.Descr, want)
	}
	a := &Array{Header: *h}
	if size < 0 {
		limit := want // one byte past the claim tells longer data
		if limit < math.MaxInt64 {
			limit++
		}
		buf, err := io.ReadAll(io.LimitReader(r, limit))
		if err != nil {
			return nil, errorf(ops.ErrBuffer, "reading the data: %v", err)
		}
		if int64(len(buf)) > want {
			return nil, errorf(ops.ErrBuffer, "holds more than %d bytes of data after its header; shape %v of %s needs %d", want, h.Shape, h.Descr, want)
		}
		if int64(len(buf)) < want {
			return nil, short(int64(len(buf)))
		}
		a.alloc()
		copy(a.bytes(), buf)
	} else {
		if have := size - h.DataOffset; have != want {
			return nil, short(max(have, 0))
		}
		a.alloc()
		if n, err := io.ReadFull(r, a.bytes()); err != nil {
			return nil, short(int64(n))
		}
	}
	if swapped(h.Order) {
		swapBytes(a.bytes(), h.DType.Size())
	}
	return a, nil
}

// alloc makes the slice of a's dtype, Len elements.
func (a *Array) alloc() {
	switch a.DType {
	case Float32:
		a.F32 = make([]float32, a.Len)
	case Float64:
		a.F64 = make([]float64, a.Len)
	case Int32:
		a.I32 = make([]int32, a.Len)
	case Int64:
		a.I64 = make([]int64, a.Len)
	}
}

// bytes returns the memory of a's slice.
func (a *Array) bytes() []byte {
	switch {
	case a.F32 != nil:
		return asBytes(a.F32)
	case a.F64 != nil:
		return asBytes(a.F64)
	case a.I32 != nil:
		return asBytes(a.I32)
	case a.I64 != nil:
		return asBytes(a.I64)
	}
	return nil
}

// asBytes views a slice's memory as bytes (no copy).
func asBytes[E float32 | float64 | int32 | int64](s []E) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// littleHost reports whether this machine is little-endian.
var littleHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// swapped reports whether data in byte order o must be byte-swapped to
// become machine values.
func swapped(o binary.ByteOrder) bool {
	switch o {
	case binary.LittleEndian:
		return !littleHost
	case binary.BigEndian:
		return littleHost
	}
	return false
}

// swapBytes reverses the bytes of every size-byte element of b.
func swapBytes(b []byte, size int) {
	for i := 0; i+size <= len(b); i += size {
		for j, k := i, i+size-1; j < k; j, k = j+1, k-1 {
			b[j], b[k] = b[k], b[j]
		}
	}
}
