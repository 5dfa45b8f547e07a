package cuda

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// TestCopyPieces checks that the pieces of every small copy cover each
// byte once, in order, within capacity, with host and device offsets
// that agree with the rows' layout.
func TestCopyPieces(t *testing.T) {
	for rows := 0; rows <= 7; rows++ {
		for width := 0; width <= 9; width++ {
			for pad := 0; pad <= 3; pad++ {
				for capacity := 1; capacity <= 20; capacity++ {
					pitch := width + pad
					seen := make([]int, rows*width) // host byte -> times covered
					next := 0
					err := forCopyPieces(rows, width, pitch, capacity, func(p copyPiece) error {
						if p.width*p.height > capacity || p.width < 1 || p.height < 1 {
							t.Fatalf("rows %d width %d pitch %d cap %d: piece %+v", rows, width, pitch, capacity, p)
						}
						if p.hostOff != next {
							t.Fatalf("rows %d width %d pitch %d cap %d: piece at %d, want %d", rows, width, pitch, capacity, p.hostOff, next)
						}
						for r := 0; r < p.height; r++ {
							for c := 0; c < p.width; c++ {
								h := p.hostOff + r*p.width + c
								// The device address of host byte h.
								wantDev := h/width*pitch + h%width
								dev := p.devOff + r*piecePitch(p, rows, width, pitch) + c
								if dev != wantDev {
									t.Fatalf("rows %d width %d pitch %d cap %d: host byte %d at device %d, want %d",
										rows, width, pitch, capacity, h, dev, wantDev)
								}
								seen[h]++
							}
						}
						next += p.width * p.height
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					for h, n := range seen {
						if n != 1 {
							t.Fatalf("rows %d width %d pitch %d cap %d: byte %d copied %d times", rows, width, pitch, capacity, h, n)
						}
					}
				}
			}
		}
	}
}

// piecePitch is the device pitch the backend uses for piece p: the
// tensor's pitch, except for dense copies, which are one row.
func piecePitch(p copyPiece, rows, width, pitch int) int {
	if pitch == width || rows == 1 {
		return p.width
	}
	return pitch
}

func TestCopyPiecesStopsOnError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := forCopyPieces(10, 4, 8, 4, func(copyPiece) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Fatalf("err %v after %d calls, want stop after 1", err, calls)
	}
}

// TestArena checks alignment, disjointness, growth and consolidation.
func TestArena(t *testing.T) {
	live := map[uint64]int{}
	next, syncs := uint64(1<<20), 0
	a := arena{
		alloc: func(n int) (uint64, error) { p := next; next += uint64(n) + 4096; live[p] = n; return p, nil },
		free: func(p uint64, n int) error {
			if live[p] != n {
				t.Fatalf("free(%#x, %d): allocated %d", p, n, live[p])
			}
			delete(live, p)
			return nil
		},
		sync: func() error { syncs++; return nil },
	}
	type region struct{ p, n uint64 }
	var regions []region
	take := func(n int) {
		p, err := a.take(n)
		if err != nil {
			t.Fatal(err)
		}
		if p%scratchAlign != 0 {
			t.Fatalf("take(%d) = %#x, not %d-aligned", n, p, scratchAlign)
		}
		for _, r := range regions {
			if p < r.p+r.n && r.p < p+uint64(n) {
				t.Fatalf("take(%d) = %#x overlaps [%#x, +%d)", n, p, r.p, r.n)
			}
		}
		ok := false
		for base, size := range live {
			ok = ok || (p >= base && p+uint64(n) <= base+uint64(size))
		}
		if !ok {
			t.Fatalf("take(%d) = %#x outside every chunk", n, p)
		}
		regions = append(regions, region{p, uint64(n)})
	}
	if err := a.reset(); err != nil {
		t.Fatal(err)
	}
	take(1)
	take(1000)
	take(minChunk) // forces a second chunk
	take(3 * minChunk)
	if len(live) < 2 {
		t.Fatalf("%d chunks after outgrowing the first", len(live))
	}
	regions = nil
	if err := a.reset(); err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || syncs != 1 {
		t.Fatalf("after reset: %d chunks, %d syncs; want 1 consolidated chunk after 1 sync", len(live), syncs)
	}
	take(minChunk)
	take(3 * minChunk)
	if len(live) != 1 {
		t.Fatalf("steady state allocated %d chunks, want 1", len(live))
	}
	if err := a.reset(); err != nil || syncs != 1 {
		t.Fatalf("steady reset: err %v, %d syncs, want no new sync", err, syncs)
	}
	if err := a.freeAll(); err != nil || len(live) != 0 {
		t.Fatalf("freeAll: %v, %d chunks live", err, len(live))
	}
}

func TestCheckGeometry(t *testing.T) {
	ok := kernels.Launch{Kernel: "k", Grid: [3]int{1 << 20, 4, 1}, Block: [3]int{128, 1, 1}, Smem: 100 << 10}
	if err := checkGeometry(&ok, 227<<10); err != nil {
		t.Fatalf("valid launch: %v", err)
	}
	bad := []func(l *kernels.Launch){
		func(l *kernels.Launch) { l.Grid[0] = 0 },
		func(l *kernels.Launch) { l.Grid[1] = 65536 },
		func(l *kernels.Launch) { l.Grid[0] = 1 << 31 },
		func(l *kernels.Launch) { l.Block = [3]int{1025, 1, 1} },
		func(l *kernels.Launch) { l.Block = [3]int{64, 32, 1} },
		func(l *kernels.Launch) { l.Block[2] = 0 },
		func(l *kernels.Launch) { l.Smem = 228 << 10 },
		func(l *kernels.Launch) { l.Smem = -1 },
		func(l *kernels.Launch) { l.Args = make([]kernels.Arg, maxArgs+1) },
	}
	for i, edit := range bad {
		l := ok
		edit(&l)
		if err := checkGeometry(&l, 227<<10); !errors.Is(err, ops.ErrUnsupported) {
			t.Errorf("case %d (%v): error %v, want ErrUnsupported", i, l.String(), err)
		}
	}
}

func TestPackArgs(t *testing.T) {
	args := []kernels.Arg{kernels.Ptr(0xdeadbeef00), kernels.I32(-2), kernels.I64(-3), kernels.F32(1.5), kernels.F64(-0.25)}
	buf := make([]uint64, 0, 2)
	w := packArgs(buf, args)
	want := []uint64{0xdeadbeef00, 0xfffffffe, 0xfffffffffffffffd, uint64(math.Float32bits(1.5)), math.Float64bits(-0.25)}
	for i := range want {
		if w[i] != want[i] {
			t.Errorf("word %d = %#x, want %#x", i, w[i], want[i])
		}
	}
	// An i32 and a float occupy the low 4 bytes only (little-endian), as a
	// 4-byte parameter read through an 8-byte word requires.
	if w[1]>>32 != 0 || w[3]>>32 != 0 {
		t.Errorf("4-byte parameters leak into the high word: %#x %#x", w[1], w[3])
	}
	if len(packArgs(w, nil)) != 0 {
		t.Error("packArgs(nil) is not empty")
	}
}

func TestResult(t *testing.T) {
	if s := Result(700).String(); s != "CUDA_ERROR_ILLEGAL_ADDRESS (700)" {
		t.Errorf("Result(700) = %q", s)
	}
	if s := Result(12345).String(); s != "CUresult 12345" {
		t.Errorf("Result(12345) = %q", s)
	}
	if driverError("x", 0) != nil {
		t.Error("success is an error")
	}
	for _, c := range []struct {
		r      Result
		sticky bool
		word   string
	}{
		{2, false, "out of memory"}, {100, false, "no CUDA device"}, {218, false, "cannot load"},
		{700, true, "restart the process"}, {716, true, "restart the process"}, {719, true, "restart the process"},
		{1, false, "failed"}, {901, false, "captured into a CUDA graph"},
	} {
		err := driverError("cuCall", c.r)
		var ae *ops.ArgError
		if !errors.Is(err, ops.ErrDevice) || !errors.As(err, &ae) || ae.Arg != "cuCall" || ae.Value != c.r {
			t.Errorf("driverError(%v) = %#v, want an ErrDevice naming cuCall with the Result", c.r, err)
		}
		if !strings.Contains(err.Error(), c.word) {
			t.Errorf("driverError(%v) = %q, want it to say %q", c.r, err, c.word)
		}
		if r, ok := resultOf(err); !ok || r != c.r || r.Sticky() != c.sticky {
			t.Errorf("resultOf(%v) = %v, %v; sticky %v, want %v", err, r, ok, r.Sticky(), c.sticky)
		}
	}
	if _, ok := resultOf(ops.Errorf(ops.ErrRange, "x", 1, "")); ok {
		t.Error("resultOf finds a Result in a range error")
	}
}
