//go:build cgo

package hosttest

import (
	"unsafe"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// hostMem plays the CUDA backend's part for launch planning: addresses are
// those of Go memory, which the host walks read and write. It keeps every
// buffer it hands out alive until the test drops it.
type hostMem struct {
	keep []any
}

func addrOf(b []byte, off int) uint64 {
	if off >= len(b) {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[off])))
}

func (m *hostMem) Addr(t *ops.Tensor) (uint64, error) {
	b := t.Mem.(*fallback.Host).B
	m.keep = append(m.keep, b)
	return addrOf(b, t.Offset*t.DType.Size()), nil
}

func (m *hostMem) Scratch(n int) (uint64, error) {
	w := make([]uint64, n/8+64)
	m.keep = append(m.keep, w)
	a := uintptr(unsafe.Pointer(&w[0]))
	skip := (256 - a%256) % 256
	return uint64(a + skip), nil
}

func (m *hostMem) InvFreq(r *ops.Rotary, mode ops.AngleMode) (uint64, error) {
	if mode == ops.Accurate {
		f := append([]float64(nil), r.InvFreq...)
		m.keep = append(m.keep, f)
		return uint64(uintptr(unsafe.Pointer(&f[0]))), nil
	}
	f := append([]float32(nil), r.F32()...)
	m.keep = append(m.keep, f)
	return uint64(uintptr(unsafe.Pointer(&f[0]))), nil
}
