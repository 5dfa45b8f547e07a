package devkern

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCheckEncoding(t *testing.T) {
	c := Check{Ptr: 0x7f0012345600, N: 1 << 40, Width: 3, RowStride: 5, Kind: KindUnique,
		Lo: -1, Hi: math.MaxInt32, Table: 0x7f00aabbcc00, Mask: 1023}
	b := make([]byte, CheckSize)
	c.Put(b)
	if got := ReadCheck(b); got != c {
		t.Fatalf("ReadCheck(Put(c)) = %+v, want %+v", got, c)
	}
	// Field k occupies bytes [8k, 8k+8): one field at a time changes only
	// its own 8 bytes.
	fields := []func(*Check){
		func(c *Check) { c.Ptr++ }, func(c *Check) { c.N++ }, func(c *Check) { c.Width++ },
		func(c *Check) { c.RowStride++ }, func(c *Check) { c.Kind++ }, func(c *Check) { c.Lo++ },
		func(c *Check) { c.Hi++ }, func(c *Check) { c.Table++ }, func(c *Check) { c.Mask++ },
	}
	for k, edit := range fields {
		d := c
		edit(&d)
		e := make([]byte, CheckSize)
		d.Put(e)
		changed := false
		for i := range e {
			own := i >= 8*k && i < 8*k+8
			if e[i] != b[i] && !own {
				t.Errorf("field %d: byte %d outside [%d, %d) changed", k, i, 8*k, 8*k+8)
			}
			changed = changed || (e[i] != b[i] && own)
		}
		if !changed {
			t.Errorf("field %d: its bytes [%d, %d) did not change", k, 8*k, 8*k+8)
		}
	}
}

// TestStructMatchesSource checks that struct Check in devkern.cu declares
// the fields Put writes, in the same order, all 8 bytes wide.
func TestStructMatchesSource(t *testing.T) {
	src := Source()
	i := strings.Index(src, "struct Check {")
	j := strings.Index(src[i:], "};")
	if i < 0 || j < 0 {
		t.Fatal("struct Check not found in devkern.cu")
	}
	re := regexp.MustCompile(`(?m)^\s*(u64|i64|\w+)\s+(\w+);`)
	var names []string
	for _, m := range re.FindAllStringSubmatch(src[i:i+j], -1) {
		if m[1] != "u64" && m[1] != "i64" {
			t.Errorf("field %s has type %s, want an 8-byte u64 or i64", m[2], m[1])
		}
		names = append(names, m[2])
	}
	want := []string{"ptr", "n", "width", "row_stride", "kind", "lo", "hi", "table", "mask", "reserved"}
	if !slices.Equal(names, want) {
		t.Fatalf("struct Check fields %v, want %v", names, want)
	}
	if 8*len(want) != CheckSize {
		t.Fatalf("CheckSize %d, want %d", CheckSize, 8*len(want))
	}
	for _, k := range []string{"ROTOR_CHECK_RANGE 0", "ROTOR_CHECK_LOGIT 1", "ROTOR_CHECK_UNIQUE 2"} {
		if !strings.Contains(src, "#define "+k) {
			t.Errorf("devkern.cu lacks #define %s", k)
		}
	}
}

func TestTableEntries(t *testing.T) {
	for _, n := range []int64{0, 1, 31, 32, 33, 1000, 4096, 1 << 20, 3<<20 + 1} {
		e := TableEntries(n)
		if e&(e-1) != 0 || e < 64 || e < 2*n || (e > 64 && e/2 >= 2*n) {
			t.Errorf("TableEntries(%d) = %d, want the least power of two ≥ max(2n, 64)", n, e)
		}
	}
}

func TestValidateGrid(t *testing.T) {
	cases := []struct {
		n          int64
		checks     int
		sms        int
		wantX      int
		wantChecks int
	}{
		{0, 1, 132, 1, 1}, {1, 2, 132, 1, 2}, {256, 1, 132, 1, 1}, {257, 1, 132, 2, 1},
		{1 << 30, 3, 132, 528, 3}, {1 << 30, 1, 0, 4, 1},
	}
	for _, c := range cases {
		g := ValidateGrid(c.n, c.checks, c.sms)
		if g != [3]int{c.wantX, c.wantChecks, 1} {
			t.Errorf("ValidateGrid(%d, %d, %d) = %v, want [%d %d 1]", c.n, c.checks, c.sms, g, c.wantX, c.wantChecks)
		}
		// The grid-stride loop covers every element.
		if int64(g[0])*Block < c.n && g[0] != 4*max(c.sms, 1) {
			t.Errorf("grid %v neither covers %d elements nor is capped", g, c.n)
		}
	}
}

func TestBadLogit(t *testing.T) {
	for _, c := range []struct {
		f   float32
		bad bool
	}{
		{0, false}, {float32(math.Copysign(0, -1)), false}, {1.5, false}, {-3e38, false},
		{math.MaxFloat32, false}, {float32(math.Inf(-1)), false},
		{float32(math.Inf(1)), true}, {float32(math.NaN()), true},
	} {
		if got := BadLogit(math.Float32bits(c.f)); got != c.bad {
			t.Errorf("BadLogit(%v) = %v, want %v", c.f, got, c.bad)
		}
	}
	// Every NaN payload, either sign.
	for _, u := range []uint32{0x7f800001, 0x7fc00000, 0x7fffffff, 0xff800001, 0xffc00000, 0xffffffff} {
		if !BadLogit(u) {
			t.Errorf("BadLogit(%#x) = false for a NaN", u)
		}
	}
}

func TestBadLSE(t *testing.T) {
	for _, c := range []struct {
		u   uint32
		bad bool
	}{
		{0, false}, {0x80000000, false}, {math.Float32bits(1.5), false}, {math.Float32bits(-3e38), false},
		{0x7f7fffff, false}, {0xff800000, false}, {0x7f800000, true},
		{0x7f800001, false}, {0x7fc00000, false}, {0xffffffff, false}, // NaN: a result that met a NaN
	} {
		if got := BadLSE(c.u); got != c.bad {
			t.Errorf("BadLSE(%#x) = %v, want %v", c.u, got, c.bad)
		}
	}
}

func TestFMAFlops(t *testing.T) {
	g := FMAGrid(132)
	if g != [3]int{1056, 1, 1} {
		t.Fatalf("FMAGrid(132) = %v", g)
	}
	if got, want := FMAFlops(g[0], 1000), float64(1056*256)*1000*16*8*2; got != want {
		t.Fatalf("FMAFlops = %g, want %g", got, want)
	}
}
