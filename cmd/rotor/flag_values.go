package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// float32Flag is a flag whose value the ops take as a float32. It keeps
// the text as given for messages, and rejects what float32 cannot hold:
// a magnitude beyond its largest finite value (which would become ±Inf)
// and a non-zero magnitude below its smallest subnormal (which would
// become 0, the value that means "default").
type float32Flag struct {
	v    float32
	text string
}

// addFloat32Flag registers a float32Flag on fs.
func addFloat32Flag(fs *flag.FlagSet, name, usage string) *float32Flag {
	f := &float32Flag{}
	fs.Var(f, name, usage)
	return f
}

func (f *float32Flag) String() string {
	if f == nil || f.text == "" {
		return "0"
	}
	return f.text
}

// Set parses s; NaN and ±Inf pass through for the ops to judge.
func (f *float32Flag) Set(s string) error {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return errors.New("want a number")
	}
	v := float32(x)
	switch {
	case math.IsInf(float64(v), 0) && (err != nil || !math.IsInf(x, 0)):
		return fmt.Errorf("beyond float32's range (largest %g)", math.MaxFloat32)
	case v == 0 && (x != 0 || nonzeroMantissa(s)):
		return fmt.Errorf("below float32's smallest non-zero magnitude (%g): it would become 0, which means the default", math.SmallestNonzeroFloat32)
	}
	f.v, f.text = v, s
	return nil
}

// nonzeroMantissa reports whether a number's text has a non-zero digit
// before its exponent: a value that underflowed to 0 rather than a zero.
func nonzeroMantissa(s string) bool {
	s = strings.ToLower(strings.TrimLeft(strings.TrimSpace(s), "+-"))
	digits, exp := "123456789", "e"
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		s, digits, exp = rest, "123456789abcdef", "p"
	}
	mant, _, _ := strings.Cut(s, exp)
	return strings.ContainsAny(mant, digits)
}

// parseFloatDType parses a --dtype flag for an op on float tensors: f32,
// bf16 or f16 (and their long names). A usageError names the flag.
func parseFloatDType(s string) (ops.DType, error) {
	dt, err := ops.ParseDType(s)
	if err != nil || !dt.IsFloat() {
		return ops.InvalidDType, usageError{ops.Errorf(ops.ErrDType, "--dtype", s, "want f32, bf16 or f16")}
	}
	return dt, nil
}
