package kernels

import (
	"fmt"
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

// Arch is a compute capability, e.g. {9, 0} for an H100 or H200.
type Arch struct {
	Major, Minor int
}

// MinArch is the oldest compute capability the kernels support: they use
// bf16 tensor-core mma.sync and cp.async (sm_80).
var MinArch = Arch{8, 0}

// CIArchs are the architectures CI compiles and checks every variant for.
var CIArchs = []Arch{{8, 0}, {9, 0}}

// ArchFromInt maps 90 to {9, 0}.
func ArchFromInt(v int) Arch { return Arch{v / 10, v % 10} }

// Int returns 10*Major + Minor.
func (a Arch) Int() int { return 10*a.Major + a.Minor }

// Compute returns the virtual architecture name NVRTC compiles PTX for,
// e.g. "compute_90".
func (a Arch) Compute() string { return fmt.Sprintf("compute_%d%d", a.Major, a.Minor) }

// SM returns the real architecture name, e.g. "sm_90".
func (a Arch) SM() string { return fmt.Sprintf("sm_%d%d", a.Major, a.Minor) }

// String returns "8.0"-style text.
func (a Arch) String() string { return fmt.Sprintf("%d.%d", a.Major, a.Minor) }

// Less orders architectures.
func (a Arch) Less(b Arch) bool { return a.Int() < b.Int() }

// ClampArch returns the architecture to compile for on a device of
// capability dev: dev itself when NVRTC supports it, else the newest
// supported one below it (the driver JIT-compiles that PTX for the newer
// device). It fails with ErrUnsupported for devices older than MinArch or
// older than anything supported.
func ClampArch(dev Arch, supported []Arch) (Arch, error) {
	if dev.Less(MinArch) {
		return Arch{}, ops.Errorf(ops.ErrUnsupported, "arch", dev.String(), "the kernels need compute capability %v or newer", MinArch)
	}
	s := slices.Clone(supported)
	slices.SortFunc(s, func(a, b Arch) int { return a.Int() - b.Int() })
	best, ok := Arch{}, false
	for _, a := range s {
		if !dev.Less(a) && !a.Less(MinArch) {
			best, ok = a, true
		}
	}
	if !ok {
		return Arch{}, ops.Errorf(ops.ErrUnsupported, "arch", dev.String(), "NVRTC supports none of %v at or below it (and at or above %v)", s, MinArch)
	}
	return best, nil
}
