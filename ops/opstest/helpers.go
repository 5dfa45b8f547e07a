package opstest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
	"github.com/x448/float16"
)

// size returns full, or short under go test -short.
func size(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

// roundTo returns x correctly rounded (once, ties to even) to the float
// dtype dt, as a float64.
func roundTo(dt ops.DType, x float64) float64 {
	switch dt {
	case ops.F32:
		return float64(float32(x))
	case ops.BF16:
		return float64(precision.BF16FromFloat64(x).Float32())
	case ops.F16:
		return float64(float16.Fromfloat32(precision.Float32RoundToOdd(x)).Float32())
	}
	return math.NaN()
}

// narrow32 rounds a float32 to the float dtype dt (ties to even).
func narrow32(dt ops.DType, x float32) float32 {
	switch dt {
	case ops.BF16:
		return precision.RoundBF16(x)
	case ops.F16:
		return float16.Fromfloat32(x).Float32()
	}
	return x
}

// encode rounds each value to dt once and returns the dense little-endian
// bytes. I32 values are converted with int32(x).
func encode(dt ops.DType, xs []float64) []byte {
	out := make([]byte, len(xs)*dt.Size())
	for i, x := range xs {
		switch dt {
		case ops.F32:
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(x)))
		case ops.I32:
			binary.LittleEndian.PutUint32(out[4*i:], uint32(int32(x)))
		case ops.BF16:
			binary.LittleEndian.PutUint16(out[2*i:], uint16(precision.BF16FromFloat64(x)))
		case ops.F16:
			h := float16.Fromfloat32(precision.Float32RoundToOdd(x))
			binary.LittleEndian.PutUint16(out[2*i:], h.Bits())
		}
	}
	return out
}

// decode returns the exact values of dense little-endian dt bytes.
func decode(dt ops.DType, b []byte) []float64 {
	n := len(b) / max(dt.Size(), 1)
	out := make([]float64, n)
	for i := range out {
		switch dt {
		case ops.F32:
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		case ops.I32:
			out[i] = float64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		case ops.BF16:
			out[i] = float64(precision.BF16(binary.LittleEndian.Uint16(b[2*i:])).Float32())
		case ops.F16:
			out[i] = float64(float16.Frombits(binary.LittleEndian.Uint16(b[2*i:])).Float32())
		}
	}
	return out
}

// alloc allocates a zeroed tensor on b or fails the test.
func alloc(t testing.TB, b ops.Backend, dt ops.DType, shape ...int) *ops.Tensor {
	t.Helper()
	x, err := b.Alloc(dt, shape...)
	if err != nil {
		t.Fatalf("Alloc(%v, %v): %v", dt, shape, err)
	}
	return x
}

// upload allocates a dense tensor of dtype dt on b and writes xs into
// it, rounded once to dt.
func upload(t testing.TB, b ops.Backend, dt ops.DType, xs []float64, shape ...int) *ops.Tensor {
	t.Helper()
	x := alloc(t, b, dt, shape...)
	if x.Len() != len(xs) {
		t.Fatalf("upload: %d values for shape %v", len(xs), shape)
	}
	writeRaw(t, b, x, encode(dt, xs))
	return x
}

// uploadI32 allocates an I32 tensor holding vals.
func uploadI32(t testing.TB, b ops.Backend, vals []int32, shape ...int) *ops.Tensor {
	t.Helper()
	x := alloc(t, b, ops.I32, shape...)
	buf := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(buf[4*i:], uint32(v))
	}
	writeRaw(t, b, x, buf)
	return x
}

// writeRaw writes dense bytes into x.
func writeRaw(t testing.TB, b ops.Backend, x *ops.Tensor, src []byte) {
	t.Helper()
	if err := b.Write(x, src); err != nil {
		t.Fatalf("Write(%v): %v", x, err)
	}
}

// readRaw returns x's dense bytes.
func readRaw(t testing.TB, b ops.Backend, x *ops.Tensor) []byte {
	t.Helper()
	if err := b.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	out := make([]byte, x.Len()*x.DType.Size())
	if err := b.Read(out, x); err != nil {
		t.Fatalf("Read(%v): %v", x, err)
	}
	return out
}

// download returns x's values as float64 (exact for every dtype).
func download(t testing.TB, b ops.Backend, x *ops.Tensor) []float64 {
	t.Helper()
	return decode(x.DType, readRaw(t, b, x))
}

// free releases tensors, ignoring nils.
func free(b ops.Backend, ts ...*ops.Tensor) {
	for _, x := range ts {
		if x != nil {
			b.Free(x)
		}
	}
}

// newRand returns a deterministic generator for seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x726f746f72))
}

// randNormal returns n standard normal values (fixed seed).
func randNormal(seed uint64, n int) []float64 {
	r := newRand(seed)
	out := make([]float64, n)
	for i := range out {
		out[i] = r.NormFloat64()
	}
	return out
}

// randUniform returns n values uniform in [lo, hi) (fixed seed).
func randUniform(seed uint64, n int, lo, hi float64) []float64 {
	r := newRand(seed)
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*r.Float64()
	}
	return out
}

// roundAll returns xs rounded to dt, as the exact values a tensor of
// dtype dt holds after upload.
func roundAll(dt ops.DType, xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = roundTo(dt, x)
	}
	return out
}

// wantErr fails t unless err wraps sentinel and is an *ops.ArgError; it
// returns the ArgError (nil on failure).
func wantErr(t testing.TB, err, sentinel error) *ops.ArgError {
	t.Helper()
	if err == nil {
		t.Errorf("got no error, want %v", sentinel)
		return nil
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("got %v, want an error wrapping %v", err, sentinel)
		return nil
	}
	var ae *ops.ArgError
	if !errors.As(err, &ae) {
		t.Errorf("got %T %v, want an *ops.ArgError", err, err)
		return nil
	}
	return ae
}

// wantArgErr is wantErr that also checks the argument name.
func wantArgErr(t testing.TB, err, sentinel error, arg string) {
	t.Helper()
	if ae := wantErr(t, err, sentinel); ae != nil && ae.Arg != arg {
		t.Errorf("error %q names argument %q, want %q", err, ae.Arg, arg)
	}
}

// foreignMem is memory of no real backend: every backend must refuse it.
type foreignMem struct{ n int }

func (m foreignMem) Backend() string { return "opstest-foreign" }
func (m foreignMem) Bytes() int      { return m.n }

// foreign returns a tensor of the given shape on foreignMem.
func foreign(dt ops.DType, shape ...int) *ops.Tensor {
	x := &ops.Tensor{DType: dt, Shape: shape}
	x.Mem = foreignMem{n: x.Len() * dt.Size()}
	return x
}

// snapshot records the bytes of tensors so a test can prove an op left
// them untouched.
type snapshot struct {
	ts   []*ops.Tensor
	data [][]byte
}

func takeSnapshot(t testing.TB, b ops.Backend, ts ...*ops.Tensor) *snapshot {
	t.Helper()
	s := &snapshot{ts: ts}
	for _, x := range ts {
		s.data = append(s.data, readRaw(t, b, x))
	}
	return s
}

// unchanged fails t when any snapshotted tensor changed; what names the
// operation for the message.
func (s *snapshot) unchanged(t testing.TB, b ops.Backend, what string) {
	t.Helper()
	for i, x := range s.ts {
		if !bytes.Equal(readRaw(t, b, x), s.data[i]) {
			t.Errorf("%s: tensor %d (%v) was modified", what, i, x)
		}
	}
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// sameNonFinite reports whether got matches a non-finite truth want: NaN
// for NaN, the same infinity for an infinity.
func sameNonFinite(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return got == want
}

// sameBitsOrNaN reports whether a and b agree element for element: both
// NaN (any payload), or the same bits.
func sameBitsOrNaN(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !(math.IsNaN(a[i]) && math.IsNaN(b[i])) && math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
