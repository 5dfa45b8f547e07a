package npy

import (
	"encoding/binary"
	"strings"
)

// DType is an element type of the arrays this package reads and writes.
type DType int

// The element types.
const (
	Float32 DType = iota + 1
	Float64
	Int32
	Int64
)

// Size returns the bytes of one element.
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Float64, Int64:
		return 8
	}
	return 0
}

// String returns the numpy name: float32, float64, int32 or int64.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	}
	return "invalid"
}

// descr returns the little-endian descriptor Write puts in headers.
func (d DType) descr() string {
	return map[DType]string{Float32: "<f4", Float64: "<f8", Int32: "<i4", Int64: "<i8"}[d]
}

// descrCodes are the type codes numpy.dtype accepts after an optional
// byte-order character, for the dtypes read here.
var descrCodes = map[string]DType{
	"f4": Float32, "f": Float32,
	"f8": Float64, "d": Float64,
	"i4": Int32, "i": Int32,
	"i8": Int64, "q": Int64,
}

// descrNames are the dtype names numpy.dtype accepts without a byte-order
// character.
var descrNames = map[string]DType{
	"float32": Float32, "single": Float32,
	"float64": Float64, "double": Float64, "float": Float64,
	"int32": Int32, "int64": Int64,
}

// parseDescr resolves a header's descr string: '<' little-endian, '>'
// big-endian, '=' or '|' (or nothing) the machine's order, then a type
// code; or a bare dtype name. ok is false for anything else.
func parseDescr(s string) (d DType, order binary.ByteOrder, ok bool) {
	if d, ok := descrNames[s]; ok {
		return d, binary.NativeEndian, true
	}
	order = binary.NativeEndian
	switch {
	case strings.HasPrefix(s, "<"):
		order, s = binary.LittleEndian, s[1:]
	case strings.HasPrefix(s, ">"):
		order, s = binary.BigEndian, s[1:]
	case strings.HasPrefix(s, "="), strings.HasPrefix(s, "|"):
		s = s[1:]
	}
	d, ok = descrCodes[s]
	return d, order, ok
}
