package grow

import "testing"

func TestSlice(t *testing.T) {
	s := Slice([]float32(nil), 8)
	if len(s) != 8 || cap(s) != 10 {
		t.Fatalf("Slice(nil, 8): len %d cap %d, want 8 and 10", len(s), cap(s))
	}
	s[0] = 1
	if r := Slice(s, 10); len(r) != 10 || &r[0] != &s[0] {
		t.Errorf("Slice within capacity reallocated or has length %d", len(r))
	}
	if r := Slice(s, 3); len(r) != 3 || &r[0] != &s[0] {
		t.Errorf("shrinking reallocated or has length %d", len(r))
	}
	if r := Slice(s, 11); len(r) != 11 || &r[0] == &s[0] || r[0] != 0 {
		t.Errorf("Slice past capacity: len %d, same array %v, r[0] %v", len(r), &r[0] == &s[0], r[0])
	}
}
