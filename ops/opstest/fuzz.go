package opstest

import (
	"errors"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// The fuzz bodies (FuzzRoPE, FuzzAttention, …) check one op of a backend
// on inputs a fuzzer derives from a few typed parameters: small shapes,
// dtypes, strides, selections, options, a seed for N(0, 1) values, bytes
// that plant special values (NaN, ±Inf, ±0) and a corruption that breaks
// one argument. The property is the same for every op: no panic; either
// an *ops.ArgError wrapping a sentinel with every output untouched, or a
// result that matches the float64 truth this package checks the op
// against elsewhere; and in both cases no byte written outside the
// outputs, which live inside larger buffers whose guard elements (and
// the gaps between strided rows) are compared before and after. Shapes
// stay small so that one execution costs well under a millisecond.

// fuzzDType maps a fuzz byte to a dtype: mostly the float dtypes, now and
// then I32 or an invalid one (which the op must refuse).
func fuzzDType(x uint8) ops.DType {
	switch x % 16 {
	case 14:
		return ops.I32
	case 15:
		return ops.InvalidDType
	}
	return floatDTypes[int(x%16)%3]
}

// floatOf returns dt when it is a float dtype, else F32 (for inputs the
// truth needs as numbers).
func floatOf(dt ops.DType) ops.DType {
	if dt.IsFloat() {
		return dt
	}
	return ops.F32
}

// plantSpecials sets special values in xs (rounded to dt): each pair of
// bytes (where, what) of specials sets element where·7919 mod len(xs) to
// NaN, +Inf, -Inf, +0, -0 or, for other what, leaves it.
func plantSpecials(xs []float64, specials []byte) {
	if len(xs) == 0 {
		return
	}
	for i := 0; i+1 < len(specials); i += 2 {
		if x, ok := special(specials[i+1] % 8); ok {
			xs[int(specials[i])*7919%len(xs)] = x
		}
	}
}

// special returns special value k: NaN, +Inf, -Inf, +0 or -0 for k < 5.
func special(k uint8) (float64, bool) {
	switch k {
	case 0:
		return math.NaN(), true
	case 1:
		return math.Inf(1), true
	case 2:
		return math.Inf(-1), true
	case 3:
		return 0, true
	case 4:
		return math.Copysign(0, -1), true
	}
	return 0, false
}

// plantSpecialsIn plants specials in several arrays: each triple of bytes
// (which, where, what) is the pair (where, what) of plantSpecials applied
// to arrays[which mod len(arrays)].
func plantSpecialsIn(specials []byte, arrays ...[]float64) {
	for i := 0; i+2 < len(specials); i += 3 {
		plantSpecials(arrays[int(specials[i])%len(arrays)], specials[i+1:i+3])
	}
}

// fuzzValues draws n N(0, 1) values rounded to dt.
func fuzzValues(seed uint64, n int, dt ops.DType) []float64 {
	return roundAll(floatOf(dt), randNormal(seed, n))
}

// typedError fails t unless err is an *ops.ArgError wrapping one of the
// sentinel errors.
func typedError(t testing.TB, err error) {
	t.Helper()
	var ae *ops.ArgError
	if !errors.As(err, &ae) || errorKind(err) == nil {
		t.Fatalf("error %v (%T) is not an *ops.ArgError wrapping a sentinel", err, err)
	}
}

// guarded is a view inside a larger backend buffer: guard elements before
// and after it and the gaps between its rows hold values the op must not
// change.
type guarded struct {
	all  *ops.Tensor // the whole buffer, rank 1
	view *ops.Tensor
	raw  []byte // the buffer's bytes before the op
}

// fuzzGuard is the number of guard elements on each side of a view.
const fuzzGuard = 8

// newGuarded allocates a buffer for a view of dtype dt, shape and row
// stride (0: dense) with fuzzGuard elements on each side, fills the
// buffer with values drawn from seed and writes vals (dense, len =
// elements of the view; nil: keep the drawn values) into the view. The
// dtype's bytes are written raw, so an I32 or invalid view still gets a
// buffer of the right size.
func newGuarded(t testing.TB, b ops.Backend, dt ops.DType, shape []int, stride int, seed uint64, vals []float64) *guarded {
	t.Helper()
	v := &ops.Tensor{DType: dt, Shape: shape, Stride: stride}
	es := max(dt.Size(), 1)
	span := 0
	if v.Len() > 0 {
		span = (v.Rows()-1)*v.RowStride() + v.RowWidth()
	}
	n := (2*fuzzGuard + span) * es
	all, err := b.Alloc(ops.I32, (n+3)/4)
	if err != nil {
		t.Fatalf("Alloc of a %d-byte guarded buffer: %v", n, err)
	}
	r := newRand(seed)
	raw := make([]byte, all.Len()*4)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	if dt.IsFloat() {
		// Keep the gaps' values numbers, so that a kernel reading them
		// by mistake shows as a wrong result, not only as a NaN.
		fill := roundAll(dt, randNormal(seed+1, len(raw)/es))
		copy(raw, encode(dt, fill))
	}
	g := &guarded{all: all}
	v.Offset = fuzzGuard
	v.Mem = all.Mem
	g.view = v
	if vals != nil && v.Len() > 0 && dt.IsFloat() {
		dense := encode(dt, vals)
		w, rs := v.RowWidth()*es, v.RowStride()*es
		for row := range v.Rows() {
			copy(raw[fuzzGuard*es+row*rs:], dense[row*w:(row+1)*w])
		}
	}
	writeRaw(t, b, all, raw)
	g.raw = raw
	return g
}

// outside fails t when a byte of the buffer outside the view changed.
func (g *guarded) outside(t testing.TB, b ops.Backend, what string) {
	t.Helper()
	now := readRaw(t, b, g.all)
	v := g.view
	es := max(v.DType.Size(), 1)
	inView := func(byteOff int) bool {
		e := byteOff/es - fuzzGuard
		if e < 0 || v.Len() == 0 {
			return false
		}
		row, col := e/v.RowStride(), e%v.RowStride()
		return row < v.Rows() && col < v.RowWidth()
	}
	for i := range now {
		if now[i] != g.raw[i] && !inView(i) {
			t.Fatalf("%s: byte %d outside the view %v changed", what, i, v)
		}
	}
}

// unchanged fails t when any byte of the buffer changed.
func (g *guarded) unchanged(t testing.TB, b ops.Backend, what string) {
	t.Helper()
	now := readRaw(t, b, g.all)
	for i := range now {
		if now[i] != g.raw[i] {
			t.Fatalf("%s: byte %d of %v changed after a refused call", what, i, g.view)
		}
	}
}

// values returns the view's elements as float64 (dense).
func (g *guarded) values(t testing.TB, b ops.Backend) []float64 {
	t.Helper()
	return download(t, b, g.view)
}

// corrupt returns x broken in one of several ways, or x itself for mode
// 0 and modes past the last: nil, a shape whose element count wraps
// around, an offset of 2^62 elements, a negative offset, a row stride
// shorter than a row, memory of no backend, one rank more, a view past
// the end of its memory, an invalid dtype.
func corrupt(mode uint8, x *ops.Tensor) *ops.Tensor {
	if x == nil || mode == 0 {
		return x
	}
	c := *x
	c.Shape = append([]int(nil), x.Shape...)
	switch mode {
	case 1:
		return nil
	case 2:
		if len(c.Shape) > 0 {
			c.Shape[0] = 1<<62 + 1
		}
	case 3:
		c.Offset = 1 << 62
	case 4:
		c.Offset = -1
	case 5:
		c.Stride = max(c.RowWidth()-1, 1)
		if c.RowWidth() <= 1 {
			c.Stride = -1
		}
	case 6:
		c.Mem = foreignMem{n: 1 << 20}
	case 7:
		c.Shape = append(c.Shape, 1)
	case 8:
		c.Offset += c.Mem.Bytes()
	case 9:
		c.DType = ops.InvalidDType
	default:
		return x
	}
	return &c
}
