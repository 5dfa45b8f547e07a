package ops

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by a rotor op wraps exactly one of
// them, so callers test with errors.Is.
var (
	// ErrShape: a tensor has the wrong rank or extent, or two tensors
	// disagree on a shared dimension.
	ErrShape = errors.New("rotor: shape")
	// ErrDType: a tensor has a dtype the op does not accept, or two tensors
	// that must share a dtype do not.
	ErrDType = errors.New("rotor: dtype")
	// ErrStride: a row stride or offset is invalid for the tensor's shape.
	ErrStride = errors.New("rotor: stride")
	// ErrRange: a value is out of its allowed range (negative position,
	// slot index ≥ slots, NaN where forbidden, non-positive factor…).
	ErrRange = errors.New("rotor: range")
	// ErrBuffer: the memory behind a tensor is too short for its shape and
	// strides, or belongs to another backend.
	ErrBuffer = errors.New("rotor: buffer")
	// ErrConfig: a RoPE schedule or Hugging Face config is invalid or
	// misses a required key.
	ErrConfig = errors.New("rotor: config")
	// ErrUnsupported: the backend does not implement this combination of
	// arguments. Engines may fall back to another backend on it.
	ErrUnsupported = errors.New("rotor: unsupported")
	// ErrDevice: the device or driver failed.
	ErrDevice = errors.New("rotor: device")
)

// ArgError is the error type of every argument check: it names the
// argument, the offending value and what was expected, and wraps one of
// the sentinel errors.
type ArgError struct {
	Kind  error  // one of the sentinel errors above
	Arg   string // the argument, e.g. "q", "positions[3]", "rope_scaling.factor"
	Value any    // the offending value
	Want  string // what was expected
}

// Error formats the error as "rotor: KIND: ARG = VALUE: WANT".
func (e *ArgError) Error() string {
	s := fmt.Sprintf("%v: %s = %v", e.Kind, e.Arg, e.Value)
	if e.Want != "" {
		s += ": " + e.Want
	}
	return s
}

// Unwrap returns the sentinel error.
func (e *ArgError) Unwrap() error { return e.Kind }

// Errorf builds an *ArgError. want may use fmt verbs with args.
func Errorf(kind error, arg string, value any, want string, args ...any) error {
	if len(args) > 0 {
		want = fmt.Sprintf(want, args...)
	}
	return &ArgError{Kind: kind, Arg: arg, Value: value, Want: want}
}
