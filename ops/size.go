package ops

import "math"

// MaxSize bounds every size rotor accepts — the elements of a shape, the
// bytes a tensor spans, a row stride or an offset: 2^48 (256 Ti), more
// than any host or device addresses, and far enough below the range of
// int that sums and small multiples of sizes under it cannot overflow.
const MaxSize uint64 = 1 << 48

// maxSize is MaxSize as an int (math.MaxInt where int is narrower).
var maxSize = int(min(uint64(math.MaxInt), MaxSize))

// Size returns the product of the factors — extents, strides, element
// sizes — with ok false when a factor is negative or the product of the
// non-zero factors exceeds MaxSize. It is rotor's one overflow-checked
// size computation: a product it accepts, and every product of a subset
// of its factors, fits in an int with room to spare, whatever the order
// of multiplication. A zero factor makes the product 0, but the other
// factors must still be bounded, so that [0, 2^62, 2^62] is not a valid
// shape whose row width overflows.
func Size(factors ...int) (n int, ok bool) {
	n, zero := 1, false
	for _, f := range factors {
		switch {
		case f < 0 || (f > 0 && n > maxSize/f):
			return 0, false
		case f == 0:
			zero = true
		default:
			n *= f
		}
	}
	if zero {
		return 0, true
	}
	return n, true
}

// DenseBytes returns the bytes of a dense tensor of dtype dt and the given
// shape, or an error naming the argument: ErrDType for an invalid dtype,
// ErrShape for a negative extent or a size above MaxSize. Every
// backend's Alloc calls it before allocating.
func DenseBytes(dt DType, shape []int) (int, error) {
	if dt.Size() == 0 {
		return 0, Errorf(ErrDType, "dtype", dt, "want f32, bf16, f16 or i32")
	}
	for i, d := range shape {
		if d < 0 {
			return 0, Errorf(ErrShape, "shape", shape, "dimension %d is negative", i)
		}
	}
	n, ok := Size(shape...)
	if ok {
		n, ok = Size(n, dt.Size())
	}
	if !ok {
		return 0, Errorf(ErrShape, "shape", shape, "a %v tensor of this shape spans more than 2^48 bytes", dt)
	}
	return n, nil
}
