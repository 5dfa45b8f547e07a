package ops

import "fmt"

// DType is the element type of a Tensor.
type DType uint8

// The element types rotor understands.
const (
	InvalidDType DType = iota
	F32                // IEEE binary32
	BF16               // bfloat16: the top 16 bits of a binary32
	F16                // IEEE binary16
	I32                // two's-complement int32 (positions, slot indices)
)

// Size returns the size of one element in bytes, or 0 for an invalid DType.
func (d DType) Size() int {
	switch d {
	case F32, I32:
		return 4
	case BF16, F16:
		return 2
	}
	return 0
}

// IsFloat reports whether d is one of the floating-point types.
func (d DType) IsFloat() bool { return d == F32 || d == BF16 || d == F16 }

// String returns the lower-case name used by the CLI and in errors
// ("f32", "bf16", "f16", "i32").
func (d DType) String() string {
	switch d {
	case F32:
		return "f32"
	case BF16:
		return "bf16"
	case F16:
		return "f16"
	case I32:
		return "i32"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// ParseDType maps "f32", "bf16", "f16" or "i32" (also "float32",
// "bfloat16", "float16", "int32") to a DType.
func ParseDType(s string) (DType, error) {
	switch s {
	case "f32", "float32", "fp32":
		return F32, nil
	case "bf16", "bfloat16":
		return BF16, nil
	case "f16", "float16", "fp16", "half":
		return F16, nil
	case "i32", "int32":
		return I32, nil
	}
	return InvalidDType, Errorf(ErrDType, "dtype", s, "want f32, bf16, f16 or i32")
}
