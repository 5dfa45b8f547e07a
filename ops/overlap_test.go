package ops

import (
	"errors"
	"testing"
)

// addrMem is Addressed memory at a given address.
type addrMem struct{ p, n int }

func (m addrMem) Backend() string { return "test" }
func (m addrMem) Bytes() int      { return m.n }
func (m addrMem) Ptr() uintptr    { return uintptr(m.p) }

// sliceMem is memory whose type cannot be compared.
type sliceMem struct{ b []byte }

func (m sliceMem) Backend() string { return "test" }
func (m sliceMem) Bytes() int      { return len(m.b) }

func TestOverlap(t *testing.T) {
	buf := addrMem{p: 1 << 20, n: 1 << 16}
	view := func(m Memory, off, stride int, shape ...int) *Tensor {
		return &Tensor{DType: BF16, Shape: shape, Stride: stride, Offset: off, Mem: m}
	}
	// A fused QKV buffer: rows of (8 q heads + 2 k heads + 2 v heads) × 16.
	const w = 12 * 16
	q, k, v := view(buf, 0, w, 5, 8, 16), view(buf, 8*16, w, 5, 2, 16), view(buf, 10*16, w, 5, 2, 16)
	for _, c := range []struct {
		name string
		a, b *Tensor
		want bool
	}{
		{"fused q and k", q, k, false},
		{"fused k and v", k, v, false},
		{"the same view", q, q, true},
		{"k one element into q's columns", q, view(buf, 8*16-1, w, 5, 2, 16), true},
		{"q as a dense view", q, view(buf, 0, 0, 2, 8, 16), true},
		{"dense rows after q", q, view(buf, 5*w, 0, 2, 8, 16), false},
		{"one row in a gap between q's rows", q, view(buf, 2*w+8*16, 0, 1, 4, 16), false},
		{"one row across a q row", q, view(buf, 2*w+8*16-1, 0, 1, 4, 16), true},
		{"one row past q's last row", q, view(buf, 4*w+8*16, 0, 1, 4*16), false},
		{"another stride, spans meeting", q, view(buf, w+8*16, w+1, 3, 1, 16), true},
		{"another buffer", q, view(addrMem{p: 1 << 30, n: 1 << 16}, 0, 0, 5, 8, 16), false},
		{"a second wrap of the buffer", q, view(addrMem{p: 1 << 20, n: 1 << 16}, 0, 0, 1, 1, 1), true},
		{"a wrap starting inside", q, view(addrMem{p: 1<<20 + 2*w, n: 64}, 0, 0, 1, 1, 8), true},
		{"empty", q, view(buf, 0, 0, 0, 8, 16), false},
		{"nil", q, nil, false},
	} {
		if got := Overlap(c.a, c.b); got != c.want {
			t.Errorf("%s: Overlap = %v, want %v", c.name, got, c.want)
		}
		if got := Overlap(c.b, c.a); got != c.want {
			t.Errorf("%s, swapped: Overlap = %v, want %v", c.name, got, c.want)
		}
	}
	// Memory without an address: the same pointer overlaps; values, even
	// equal ones or of a type that cannot be compared, say nothing.
	p := &sliceMem{b: make([]byte, 64)}
	if !Overlap(view(p, 0, 0, 4), view(p, 2, 0, 4)) {
		t.Errorf("Overlap of two views of one Memory pointer = false")
	}
	if Overlap(view(p, 0, 0, 4), view(&sliceMem{b: p.b}, 2, 0, 4)) {
		t.Errorf("Overlap of two Memory pointers without addresses = true")
	}
	s := sliceMem{b: make([]byte, 64)}
	if Overlap(view(s, 0, 0, 4), view(s, 2, 0, 4)) {
		t.Errorf("Overlap of uncomparable memory values = true")
	}
	if err := CheckDisjoint("q", view(buf, 0, 0, 4), "k", view(buf, 2, 0, 4)); !errors.Is(err, ErrBuffer) {
		t.Errorf("CheckDisjoint of overlapping views = %v, want ErrBuffer", err)
	}
}
