package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// runMemory is the memory part of the suite: Alloc, Read and Write with
// sizes that overflow, absurd sizes, nil tensors and views whose shape,
// stride or offset arithmetic overflows.
func runMemory(t *testing.T, b ops.Backend) {
	t.Run("alloc", func(t *testing.T) { testAllocSizes(t, b) })
	t.Run("copy", func(t *testing.T) { testCopyErrors(t, b) })
	t.Run("overflowing-views", func(t *testing.T) { testOverflowingViews(t, b) })
}

// testAllocSizes checks that Alloc refuses dtypes, negative extents and
// sizes whose product overflows with typed errors, and that a size this
// machine or device cannot hold is an error or a tensor with all its
// memory — never a tensor without memory.
func testAllocSizes(t *testing.T, b ops.Backend) {
	for _, c := range []struct {
		dt       ops.DType
		shape    []int
		sentinel error
	}{
		{ops.F32, []int{1 << 62}, ops.ErrShape},                // 2^64 bytes
		{ops.BF16, []int{1 << 47, 4}, ops.ErrShape},            // 2^50 bytes
		{ops.F32, []int{0, 1 << 40, 1 << 40}, ops.ErrShape},    // empty, but its row width overflows
		{ops.I32, []int{3, math.MaxInt}, ops.ErrShape},         // the product wraps around
		{ops.F32, []int{1 << 31, 1 << 31, 4}, ops.ErrShape},    // wraps to 0 bytes
		{ops.F16, []int{2, -1}, ops.ErrShape},                  //
		{ops.InvalidDType, []int{4}, ops.ErrDType},             //
		{ops.DType(9), []int{4}, ops.ErrDType},                 //
		{ops.F32, []int{-(1 << 62), -(1 << 62)}, ops.ErrShape}, // a positive product of negatives
	} {
		x, err := b.Alloc(c.dt, c.shape...)
		if err == nil {
			free(b, x)
		}
		wantArgErr(t, err, c.sentinel, map[bool]string{true: "dtype", false: "shape"}[c.sentinel == ops.ErrDType])
	}
	// Within MaxSize but beyond any machine here: an error wrapping a
	// sentinel, or all the memory.
	x, err := b.Alloc(ops.F32, 1<<45)
	switch {
	case err != nil:
		if wantErr(t, err, errorKind(err)) == nil {
			t.Errorf("Alloc of 2^47 bytes: %v is not a typed error", err)
		}
	case x.Mem == nil || x.Mem.Bytes() != 1<<47:
		t.Errorf("Alloc of 2^47 bytes returned %v without its memory", x)
	default:
		free(b, x)
	}
}

// errorKind returns the sentinel err wraps (nil when none).
func errorKind(err error) error {
	for _, s := range []error{ops.ErrShape, ops.ErrDType, ops.ErrStride, ops.ErrRange, ops.ErrBuffer,
		ops.ErrConfig, ops.ErrUnsupported, ops.ErrDevice} {
		if isErr(err, s) {
			return s
		}
	}
	return nil
}

// testCopyErrors checks Read and Write with nil tensors and host buffers
// of the wrong length.
func testCopyErrors(t *testing.T, b ops.Backend) {
	x := alloc(t, b, ops.BF16, 3, 4)
	defer free(b, x)
	buf := make([]byte, 24)
	wantArgErr(t, b.Write(nil, buf), ops.ErrShape, "dst")
	wantArgErr(t, b.Read(buf, nil), ops.ErrShape, "src")
	wantArgErr(t, b.Write(x, buf[:23]), ops.ErrBuffer, "src")
	wantArgErr(t, b.Read(buf[:22], x), ops.ErrBuffer, "dst")
	wantArgErr(t, b.Write(x, nil), ops.ErrBuffer, "src")
	if err := b.Write(x, buf); err != nil {
		t.Errorf("Write of 24 bytes into bf16[3 4]: %v", err)
	}
}

// testOverflowingViews checks that views whose size arithmetic
// overflows fail CheckTensor in the ops that take them, before any
// memory is touched: a [2^62+1, 4, 1] view of 32 bytes (its element
// count wraps to 4), an offset of 2^62 elements (whose byte offset wraps
// to 0), a row stride of 2^62, rows whose span passes 2^48 bytes, and an
// empty view whose row width overflows.
func testOverflowingViews(t *testing.T, b ops.Backend) {
	base := alloc(t, b, ops.F32, 8)
	defer free(b, base)
	writeRaw(t, b, base, encode(ops.F32, []float64{1, 2, 3, 4, 5, 6, 7, 8}))
	snap := takeSnapshot(t, b, base)
	view := func(shape []int, stride, offset int) *ops.Tensor {
		return &ops.Tensor{DType: ops.F32, Shape: shape, Stride: stride, Offset: offset, Mem: base.Mem}
	}
	pos := uploadI32(t, b, []int32{0, 1}, 2)
	defer free(b, pos)
	rot := defaultRotary(2, 2, 1e4, ops.NeoX)
	for _, c := range []struct {
		name     string
		x        *ops.Tensor
		sentinel error
		arg      string
	}{
		{"count wraps", view([]int{1<<62 + 1, 4, 1}, 0, 0), ops.ErrShape, "x.shape"},
		{"offset wraps", view([]int{2, 1, 2}, 0, 1<<62), ops.ErrStride, "x.offset"},
		{"stride wraps", view([]int{2, 1, 2}, 1<<62, 0), ops.ErrStride, "x.stride"},
		{"span wraps", view([]int{1 << 40, 1, 256}, 1<<20, 0), ops.ErrStride, "x"},
		{"empty, wide rows", view([]int{0, 1 << 40, 1 << 40}, 0, 0), ops.ErrShape, "x.shape"},
	} {
		var raw []byte
		if n := c.x.Len(); n >= 0 && n <= 64 {
			raw = make([]byte, 4*n)
		}
		wantArgErr(t, b.Write(c.x, raw), c.sentinel, "dst"+c.arg[1:])
		wantArgErr(t, b.Read(raw, c.x), c.sentinel, "src"+c.arg[1:])
		wantArgErr(t, b.RoPE(&ops.RoPEArgs{Q: c.x, Positions: pos, Rotary: rot}), c.sentinel, "q"+c.arg[1:])
		snap.unchanged(t, b, c.name)
	}
}
