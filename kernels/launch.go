package kernels

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// ArgKind is the C type of one kernel parameter.
type ArgKind uint8

// The kernel parameter types. Every parameter of every kernel is one of
// these; structs are never passed by value.
const (
	ArgPtr ArgKind = iota // a device pointer (any pointee type)
	ArgI32                // i32 (int)
	ArgI64                // i64 (long long)
	ArgF32                // float
	ArgF64                // double
)

// String returns the C type name.
func (k ArgKind) String() string {
	switch k {
	case ArgPtr:
		return "ptr"
	case ArgI32:
		return "i32"
	case ArgI64:
		return "i64"
	case ArgF32:
		return "float"
	case ArgF64:
		return "double"
	}
	return fmt.Sprintf("argkind(%d)", uint8(k))
}

// Arg is one kernel parameter: its type and its value as little-endian
// bits in the low bytes of a 64-bit word (pointer: the address; i32 and
// float: 4 bytes; i64 and double: 8 bytes).
type Arg struct {
	Kind ArgKind
	Bits uint64
	// Wide marks an I32 built from a value outside the int32 range (Bits
	// holds it truncated): CheckArgs refuses the launch.
	Wide bool
}

// Ptr, I32, I64, F32 and F64 build kernel parameters.
func Ptr(addr uint64) Arg { return Arg{Kind: ArgPtr, Bits: addr} }

// I32 builds an i32 parameter; a v outside the int32 range is marked
// Wide.
func I32(v int) Arg {
	return Arg{Kind: ArgI32, Bits: uint64(uint32(int32(v))), Wide: v != int(int32(v))}
}

// I64 builds an i64 parameter.
func I64(v int) Arg { return Arg{Kind: ArgI64, Bits: uint64(int64(v))} }

// F32 builds a float parameter.
func F32(v float32) Arg { return Arg{Kind: ArgF32, Bits: uint64(math.Float32bits(v))} }

// F64 builds a double parameter.
func F64(v float64) Arg { return Arg{Kind: ArgF64, Bits: math.Float64bits(v)} }

// Launch is one kernel launch, fully computed on the host. The CUDA
// backend compiles (Family, Options), takes function Kernel from the
// module and launches it with Grid, Block and Smem dynamic shared bytes,
// passing Words() as the parameters: gorgonia.org/cu's Function.Launch
// reads each parameter through an 8-byte pointer, so pointers to the
// words of one []uint64 are exactly what it needs.
type Launch struct {
	Family  Family
	Options Options
	Kernel  string
	Grid    [3]int
	Block   [3]int
	Smem    int
	Args    []Arg
}

// Words returns the parameters as 8-byte words in order.
func (l *Launch) Words() []uint64 {
	w := make([]uint64, len(l.Args))
	for i, a := range l.Args {
		w[i] = a.Bits
	}
	return w
}

// Launch limits of every CUDA device rotor supports (compute capability
// 8.0 and newer): a grid's x dimension up to 2^31-1 blocks, y and z up to
// 65535, and at most 1024 threads in a block (64 in z). The planners put
// the dimension that grows with the input (tokens, rows, slots) in x.
const (
	MaxGridX        = 1<<31 - 1
	MaxGridYZ       = 65535
	MaxBlockThreads = 1024
)

// CheckGrid returns ErrUnsupported when the launch's grid or block is
// empty or beyond the device limits (MaxGridX, MaxGridYZ,
// MaxBlockThreads).
func (l *Launch) CheckGrid() error {
	g, bl := l.Grid, l.Block
	if g[0] < 1 || g[1] < 1 || g[2] < 1 || g[0] > MaxGridX || g[1] > MaxGridYZ || g[2] > MaxGridYZ {
		return ops.Errorf(ops.ErrUnsupported, "grid", g, "%s: want 1 ≤ x < 2^31 and 1 ≤ y, z ≤ 65535", l.Kernel)
	}
	if bl[0] < 1 || bl[1] < 1 || bl[2] < 1 || bl[0]*bl[1]*bl[2] > MaxBlockThreads || bl[2] > 64 {
		return ops.Errorf(ops.ErrUnsupported, "block", bl, "%s: want 1 to %d threads", l.Kernel, MaxBlockThreads)
	}
	return nil
}

// CheckArgs returns ErrUnsupported when an i32 parameter was built from a
// value outside the int32 range (a count or extent the kernels index with
// 32-bit integers), naming the kernel and the parameter's position.
func (l *Launch) CheckArgs() error {
	for i, a := range l.Args {
		if a.Wide {
			return ops.Errorf(ops.ErrUnsupported, "args", i, "%s: parameter %d is beyond the kernels' 32-bit counts; split the call", l.Kernel, i)
		}
	}
	return nil
}

// Threads returns the total number of threads launched.
func (l *Launch) Threads() int {
	return l.Grid[0] * l.Grid[1] * l.Grid[2] * l.Block[0] * l.Block[1] * l.Block[2]
}

// String describes the launch, e.g. "rope<<<(64,4,1),(128,1,1),0>>>".
func (l *Launch) String() string {
	return fmt.Sprintf("%s<<<(%d,%d,%d),(%d,%d,%d),%d>>> [%s]", l.Kernel, l.Grid[0], l.Grid[1], l.Grid[2],
		l.Block[0], l.Block[1], l.Block[2], l.Smem, l.Options.String(l.Family))
}

// Memory resolves what launch planning needs from the CUDA backend.
type Memory interface {
	// Addr returns the device address of t's element 0 (the tensor's
	// Offset included). Tensors are validated before Addr is called.
	Addr(t *ops.Tensor) (uint64, error)
	// Scratch returns device memory of at least bytes bytes, 256-byte
	// aligned, that stays valid until the planned launches complete.
	Scratch(bytes int) (uint64, error)
	// InvFreq returns a device copy of r's inverse frequencies: float64
	// (r.InvFreq) for Accurate angles, float32 (r.F32()) for Compat.
	InvFreq(r *ops.Rotary, m ops.AngleMode) (uint64, error)
}

// Device describes the GPU the launches are planned for.
type Device struct {
	// SMs is the number of streaming multiprocessors (132 on an H200);
	// 0 plans for a small device.
	SMs int
}

// residentThreads returns a thread count that fills the device about
// once: 2048 resident threads per SM.
func (d Device) residentThreads() int {
	if d.SMs <= 0 {
		return 2048
	}
	return d.SMs * 2048
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
