// Package devkern holds the CUDA backend's own kernels (devkern.cu):
// "validate", which checks argument values (slot indices, positions,
// logits) on the device before an op's kernels run, and "fma_peak", the
// float32 FMA throughput probe of the benchmark roofline. It also encodes
// their arguments and launch geometry, so that both can be tested without
// a GPU. With the build tag cuda, PTX compiles the source with NVRTC.
package devkern

import (
	_ "embed"
	"encoding/binary"
)

//go:embed devkern.cu
var source string

// Source returns the CUDA C++ source of the kernels.
func Source() string { return source }

// Name is the program name NVRTC reports in its log.
const Name = "devkern.cu"

// Kernel names (extern "C").
const (
	Validate = "validate"
	FMAPeak  = "fma_peak"
)

// Block is the thread-block size of both kernels.
const Block = 256

// Kind says what a Check requires of every element.
type Kind int64

// The check kinds, numbered as ROTOR_CHECK_* in devkern.cu.
const (
	// KindRange: an i32 in [Lo, Hi].
	KindRange Kind = 0
	// KindLogit: an f32 that is neither NaN nor +Inf.
	KindLogit Kind = 1
	// KindUnique: an i32 in [Lo, Hi] that no other element equals. Needs
	// a Table of TableEntries(N) i32 entries, each set to -1.
	KindUnique Kind = 2
	// KindLSE: an f32 other than +Inf (NaN and -Inf pass).
	KindLSE Kind = 3
)

// CheckSize is the size in bytes of one encoded Check (struct Check in
// devkern.cu, whose static_asserts pin the same layout).
const CheckSize = 80

// Check describes one i32 or f32 argument tensor for the validate kernel.
// Element i (flat, row-major) is read at Ptr + 4*((i/Width)*RowStride +
// i%Width).
type Check struct {
	Ptr       uint64 // device address of element 0
	N         int64  // elements
	Width     int64  // elements per row of the leading dimension, ≥ 1
	RowStride int64  // elements between rows
	Kind      Kind
	Lo, Hi    int64  // inclusive bounds (KindRange, KindUnique)
	Table     uint64 // KindUnique: device address of the table
	Mask      int64  // KindUnique: TableEntries(N) - 1
}

// Put writes c's 80-byte little-endian encoding into b[:CheckSize].
func (c *Check) Put(b []byte) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], c.Ptr)
	le.PutUint64(b[8:], uint64(c.N))
	le.PutUint64(b[16:], uint64(c.Width))
	le.PutUint64(b[24:], uint64(c.RowStride))
	le.PutUint64(b[32:], uint64(c.Kind))
	le.PutUint64(b[40:], uint64(c.Lo))
	le.PutUint64(b[48:], uint64(c.Hi))
	le.PutUint64(b[56:], c.Table)
	le.PutUint64(b[64:], uint64(c.Mask))
	le.PutUint64(b[72:], 0)
}

// ReadCheck decodes an encoded Check (the inverse of Put).
func ReadCheck(b []byte) Check {
	le := binary.LittleEndian
	return Check{
		Ptr: le.Uint64(b[0:]), N: int64(le.Uint64(b[8:])), Width: int64(le.Uint64(b[16:])),
		RowStride: int64(le.Uint64(b[24:])), Kind: Kind(le.Uint64(b[32:])),
		Lo: int64(le.Uint64(b[40:])), Hi: int64(le.Uint64(b[48:])),
		Table: le.Uint64(b[56:]), Mask: int64(le.Uint64(b[64:])),
	}
}

// TableEntries returns the size of a KindUnique table for n values: the
// smallest power of two ≥ max(2n, 64), so linear probing always finds a
// free entry and stays short.
func TableEntries(n int64) int64 {
	e := int64(64)
	for e < 2*n {
		e <<= 1
	}
	return e
}

// ValidateGrid returns the grid of a validate launch over checks whose
// largest element count is maxN, on a device with sms multiprocessors: x
// covers maxN in blocks of Block, capped at 4 blocks per SM (grid-stride
// beyond); y is the number of checks.
func ValidateGrid(maxN int64, checks, sms int) [3]int {
	gx := (maxN + Block - 1) / Block
	limit := int64(4 * max(sms, 1))
	gx = max(1, min(gx, limit))
	return [3]int{int(gx), checks, 1}
}

// BadLogit reports whether the f32 bits u fail KindLogit: NaN or +Inf.
// It is the predicate of devkern.cu written in Go.
func BadLogit(u uint32) bool {
	return u&0x7fffffff > 0x7f800000 || u == 0x7f800000
}

// BadLSE reports whether the f32 bits u fail KindLSE: +Inf. It is the
// predicate of devkern.cu written in Go.
func BadLSE(u uint32) bool { return u == 0x7f800000 }

// FMAGrid returns the grid of an fma_peak launch: 8 blocks per SM (2048
// threads, a full SM on sm_80 and sm_90).
func FMAGrid(sms int) [3]int { return [3]int{8 * max(sms, 1), 1, 1} }

// FMAFlops returns the floating-point operations of one fma_peak launch
// with grid gx blocks and iters iterations: 8 chains of 16 FMAs per
// iteration per thread, 2 operations per FMA.
func FMAFlops(gx, iters int) float64 {
	return float64(gx) * Block * float64(iters) * 16 * 8 * 2
}
