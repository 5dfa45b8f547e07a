package cuda

import (
	"errors"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// TestFakeAccounting: MemInUse follows Alloc and Free, Close frees what
// the caller forgot, and after Close no device or pinned memory of the
// backend is left (the simulated device's allocations and LiveBytes both
// return to where they were).
func TestFakeAccounting(t *testing.T) {
	g := newFakeGPU(0)
	live0, pinned0 := LiveBytes(), livePinned.Load()
	b := openFake(t, g)
	base := g.liveRegions()
	x, err := b.Alloc(ops.BF16, 3, 5) // 30 bytes, rounded up to 32
	if err != nil {
		t.Fatal(err)
	}
	y, err := b.Alloc(ops.F32, 1000)
	if err != nil {
		t.Fatal(err)
	}
	z, err := b.Alloc(ops.I32, 0, 4) // empty: no device memory
	if err != nil {
		t.Fatal(err)
	}
	if got := b.MemInUse(); got != 32+4000 {
		t.Fatalf("MemInUse = %d, want 4032", got)
	}
	if got := g.liveRegions() - base; got != 2 {
		t.Fatalf("%d device allocations for two non-empty tensors", got)
	}
	if err := b.Free(y); err != nil {
		t.Fatal(err)
	}
	if got := b.MemInUse(); got != 32 {
		t.Fatalf("MemInUse after Free = %d, want 32", got)
	}
	if err := b.Free(z); err != nil {
		t.Fatal(err)
	}
	// Run an op, so scratch, tables and the utility module exist too.
	c := ropeXCases(true)[0]
	xs := c.tensors(t, b, c.data(1))
	if err := b.RoPE(&ops.RoPEArgs{Q: xs.q, K: xs.k, Positions: xs.pos, Rotary: c.rotary(t)}); err != nil {
		t.Fatal(err)
	}
	if b.InternalBytes() == 0 {
		t.Fatal("InternalBytes = 0 after an op that uploads a table and uses scratch")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := g.liveRegions(); n != 0 {
		t.Fatalf("%d allocations left on the device after Close", n)
	}
	if LiveBytes() != live0 || livePinned.Load() != pinned0 {
		t.Fatalf("LiveBytes %d -> %d, pinned %d -> %d across open and close", live0, LiveBytes(), pinned0, livePinned.Load())
	}
	if x.Mem.Bytes() != 0 {
		t.Fatal("a tensor Close freed still reports its bytes")
	}
	if len(g.mods) != 0 {
		t.Fatalf("%d modules loaded after the last backend closed", len(g.mods))
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := b.Alloc(ops.F32, 1); !errors.Is(err, ops.ErrDevice) {
		t.Fatalf("Alloc after Close: %v, want ErrDevice", err)
	}
}

// TestFakeFree: a freed tensor and every view of it are rejected with
// ErrBuffer; freeing twice, freeing a wrapped tensor and freeing nil are
// no-ops; another backend's memory is refused.
func TestFakeFree(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	other := openFake(t, g)
	defer other.Close()
	x, _ := b.Alloc(ops.F32, 4, 8)
	view := x.RowRange(1, 3)
	if err := other.Free(x); !errors.Is(err, ops.ErrBuffer) {
		t.Fatalf("Free by another backend: %v, want ErrBuffer", err)
	}
	if err := b.Free(view); err != nil {
		t.Fatal(err)
	}
	if view.Mem != nil {
		t.Fatal("Free left the view's Mem set")
	}
	if err := b.Write(x, make([]byte, 4*32)); !errors.Is(err, ops.ErrBuffer) {
		t.Fatalf("Write to freed memory: %v, want ErrBuffer", err)
	}
	if err := b.Free(x); err != nil || b.MemInUse() != 0 {
		t.Fatalf("second Free: %v, MemInUse %d", err, b.MemInUse())
	}
	if err := b.Free(nil); err != nil {
		t.Fatal(err)
	}
	y, _ := b.Alloc(ops.F32, 16)
	w, err := b.Wrap(y.Mem.(*Memory).Ptr(), 64, ops.F32, 0, 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Free(w); err != nil || y.Mem.Bytes() != 64 {
		t.Fatalf("Free of a wrapped tensor: %v; the memory under it has %d bytes", err, y.Mem.Bytes())
	}
}

// TestFakeWrap: an engine's device pointer can be wrapped and used by
// ops; bad pointers and short buffers are refused.
func TestFakeWrap(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	eng, _ := b.Alloc(ops.F32, 64) // stands for an engine's allocation
	p := eng.Mem.(*Memory).Ptr()
	w, err := b.Wrap(p+16, 240, ops.F32, 6, 10, 4) // rows of 4 at stride 6, from element 4
	if err != nil {
		t.Fatal(err)
	}
	src := make([]byte, 4*40)
	for i := range src {
		src[i] = byte(i)
	}
	if err := b.Write(w, src); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 4*64)
	if err := b.Read(all, eng); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 10; r++ {
		for c := 0; c < 16; c++ {
			if got, want := all[16+r*24+c], src[r*16+c]; got != want {
				t.Fatalf("row %d byte %d = %d, want %d", r, c, got, want)
			}
		}
	}
	for _, c := range []struct {
		name  string
		ptr   uintptr
		bytes int
		want  error
	}{
		{"null", 0, 16, ops.ErrBuffer}, {"unknown", 12345, 16, ops.ErrBuffer}, {"short", p, 100, ops.ErrBuffer},
		{"negative", p, -1, ops.ErrBuffer},
	} {
		if _, err := b.Wrap(c.ptr, c.bytes, ops.F32, 0, 8, 4); !errors.Is(err, c.want) {
			t.Errorf("Wrap %s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := b.Wrap(p, 16, ops.InvalidDType, 0, 4); !errors.Is(err, ops.ErrDType) {
		t.Errorf("Wrap with no dtype: %v", err)
	}
	// Memory of another device is refused by every op.
	gpu1 := openFake(t, newFakeGPU(1))
	defer gpu1.Close()
	q1, _ := gpu1.Alloc(ops.F32, 1, 1, 2)
	if err := b.Write(q1, make([]byte, 8)); !errors.Is(err, ops.ErrBuffer) {
		t.Errorf("Write to another device's memory: %v, want ErrBuffer", err)
	}
}

// TestFakeValueChecks: bad positions and slots fail with the fallback's
// exact error before the op's kernel is launched; the check reuses no
// stale flag; SetValueChecks(false) skips the tolerated checks.
func TestFakeValueChecks(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	c := ropeXCases(true)[0]
	d := c.data(3)
	x := c.tensors(t, b, d)
	rot := c.rotary(t)
	args := &ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc, Positions: x.pos, Slots: x.slots, Rotary: rot}
	set := func(tn *ops.Tensor, v []int32) {
		if err := b.Write(tn, ops.Bytes(v)); err != nil {
			t.Fatal(err)
		}
	}
	launched := func() []string {
		l := g.launches
		g.launches = nil
		return l
	}
	kernelsIn := func(l []string) (validate, main int) {
		for _, s := range l {
			if strings.HasPrefix(s, "validate") {
				validate++
			} else {
				main++
			}
		}
		return
	}
	pos := append([]int32(nil), d.pos...)
	slots := append([]int32(nil), d.slots...)
	cases := []struct {
		name      string
		pos, slot []int32
		arg       string
		value     int32
	}{
		{"negative position", repl(pos, 4, -9), slots, "positions[4]", -9},
		{"slot ≥ S", pos, repl(slots, 2, int32(d.S)), "slots[2]", int32(d.S)},
		{"negative slot", pos, repl(slots, 6, -1), "slots[6]", -1},
		{"duplicate slot", pos, repl(slots, 7, slots[3]), "slots[7]", slots[3]},
		{"position before slot", repl(pos, 8, -1), repl(slots, 1, -5), "positions[8]", -1},
	}
	for _, tc := range cases {
		set(x.pos, tc.pos)
		set(x.slots, tc.slot)
		launched()
		err := b.RoPEAppend(args)
		var ae *ops.ArgError
		if !errors.As(err, &ae) || ae.Kind != ops.ErrRange || ae.Arg != tc.arg || ae.Value != tc.value {
			t.Errorf("%s: error %v, want ErrRange naming %s = %d", tc.name, err, tc.arg, tc.value)
		}
		if v, m := kernelsIn(launched()); v != 1 || m != 0 {
			t.Errorf("%s: %d validate and %d other launches, want 1 and 0", tc.name, v, m)
		}
	}
	set(x.pos, pos)
	set(x.slots, slots)
	if err := b.RoPEAppend(args); err != nil {
		t.Fatalf("valid call after failed ones: %v", err)
	}
	if v, m := kernelsIn(launched()); v != 1 || m != 1 {
		t.Errorf("valid call: %d validate and %d other launches, want 1 and 1", v, m)
	}
	b.SetValueChecks(false)
	set(x.pos, repl(pos, 0, -1))
	if err := b.RoPEAppend(args); err != nil {
		t.Fatalf("unchecked call with a negative position: %v", err)
	}
	if v, m := kernelsIn(launched()); v != 0 || m != 1 {
		t.Errorf("unchecked call: %d validate and %d other launches, want 0 and 1", v, m)
	}
	b.SetValueChecks(true)
	if err := b.RoPEAppend(args); !errors.Is(err, ops.ErrRange) {
		t.Errorf("checks back on: %v, want ErrRange", err)
	}
}

func repl(s []int32, i int, v int32) []int32 {
	c := append([]int32(nil), s...)
	c[i] = v
	return c
}

// TestFakeInvFreqTables: a schedule is uploaded once per angle mode and
// reused; editing it in place uploads the new values; old tables are
// evicted beyond the cache size and the backend's internal memory stays
// bounded.
func TestFakeInvFreqTables(t *testing.T) {
	b := openFake(t, newFakeGPU(0))
	defer b.Close()
	r, _ := ops.DefaultRoPE(64, 1e4)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drv.enter()
	defer b.drv.exit()
	p1, err := b.inv.get(r, ops.Accurate)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := b.inv.get(r, ops.Accurate); p != p1 {
		t.Fatal("the same schedule was uploaded twice")
	}
	pc, _ := b.inv.get(r, ops.Compat)
	if pc == p1 {
		t.Fatal("accurate and compat share one table")
	}
	r.InvFreq[5] *= 1.5
	if p, _ := b.inv.get(r, ops.Accurate); p == p1 {
		t.Fatal("an edited schedule reused the stale table")
	}
	got := make([]byte, 8*32)
	tab := &ops.Tensor{DType: ops.I32, Shape: []int{64}, Mem: &Memory{ptr: b.inv.entries[len(b.inv.entries)-1].ptr, bytes: 256}}
	if err := b.readLocked(got, tab); err != nil {
		t.Fatal(err)
	}
	for j, f := range r.InvFreq {
		if u := leU64(got[8*j:]); u != f64bits(f) {
			t.Fatalf("table entry %d = %#x, want %#x", j, u, f64bits(f))
		}
	}
	for i := 0; i < 3*invFreqEntries; i++ {
		ri, _ := ops.DefaultRoPE(64, 1e4+float64(i))
		if _, err := b.inv.get(ri, ops.Accurate); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.inv.entries) > invFreqEntries {
		t.Fatalf("%d tables cached, want ≤ %d", len(b.inv.entries), invFreqEntries)
	}
}

// TestFakeStickyError: after a kernel fault the backend refuses work with
// the fault's error, and still closes cleanly.
func TestFakeStickyError(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	x, _ := b.Alloc(ops.F32, 4)
	g.fail["sync"] = 700
	if err := b.Sync(); !errors.Is(err, ops.ErrDevice) {
		t.Fatalf("Sync: %v", err)
	}
	err := b.Write(x, make([]byte, 16))
	if r, ok := resultOf(err); !ok || r != 700 {
		t.Fatalf("Write after the fault: %v, want the sticky ILLEGAL_ADDRESS error", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close after a fault: %v", err)
	}
	if g.liveRegions() != 0 {
		t.Fatal("Close after a fault leaked device memory")
	}
	// A non-sticky failure does not break the backend.
	b = openFake(t, g)
	defer b.Close()
	g.fail["alloc"] = 2
	if _, err := b.Alloc(ops.F32, 4); !errors.Is(err, ops.ErrDevice) {
		t.Fatalf("Alloc with the device out of memory: %v", err)
	}
	if _, err := b.Alloc(ops.F32, 4); err != nil {
		t.Fatalf("Alloc after an out-of-memory error: %v", err)
	}
}

// TestFakeSharedDevice: backends of one device share its modules (each
// family variant is loaded once) and the last Close unloads them.
func TestFakeSharedDevice(t *testing.T) {
	g := newFakeGPU(0)
	c := ropeXCases(true)[0]
	var bs []*Backend
	for i := 0; i < 3; i++ {
		b := openFake(t, g)
		bs = append(bs, b)
		x := c.tensors(t, b, c.data(uint64(i)))
		if err := b.RoPE(&ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: c.rotary(t)}); err != nil {
			t.Fatal(err)
		}
	}
	if g.loads != 2 { // the rope variant and the backend's own kernels
		t.Fatalf("%d module loads for one variant on three backends, want 2", g.loads)
	}
	for i, b := range bs {
		b.Close()
		if want := 2; i < 2 && len(g.mods) != want {
			t.Fatalf("%d modules after closing %d of 3 backends, want %d", len(g.mods), i+1, want)
		}
	}
	if len(g.mods) != 0 {
		t.Fatalf("%d modules after the last Close", len(g.mods))
	}
}

// TestFakeOptIn: a launch with more than 48 KiB of dynamic shared memory
// opts the function in once; the fake device refuses it otherwise.
func TestFakeOptIn(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drv.enter()
	defer b.drv.exit()
	o := kernels.Options{DType: ops.BF16}
	fn, err := b.dev.function(b.drv, kernels.RoPE, o, "rope_v8")
	if err != nil {
		t.Fatal(err)
	}
	for _, smem := range []int{1 << 10, 48 << 10, 100 << 10, 64 << 10, 200 << 10} {
		if err := b.dev.optIn(b.drv, fn, smem); err != nil {
			t.Fatal(err)
		}
	}
	if got := g.optIns[fn.h]; got != 200<<10 {
		t.Fatalf("opted in to %d bytes, want 200 KiB", got)
	}
	if _, err := b.dev.function(b.drv, kernels.RoPE, o, "no_such_kernel"); !errors.Is(err, ops.ErrConfig) {
		t.Fatalf("unknown kernel: %v, want ErrConfig", err)
	}
}

// TestFakePeaks: the peak measurements run their kernels and turn the
// timed milliseconds into rates.
func TestFakePeaks(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	gb, err := b.PeakGBps()
	if err != nil {
		t.Fatal(err)
	}
	if want := copyGBps(peakCopyBytes, 1); gb != want { // the fake times everything at 1 ms
		t.Fatalf("PeakGBps = %g, want %g", gb, want)
	}
	gf, err := b.PeakGFlops()
	if err != nil || gf <= 0 {
		t.Fatalf("PeakGFlops = %g, %v", gf, err)
	}
	if b.InternalBytes() != 0 {
		t.Fatalf("the peaks left %d internal bytes", b.InternalBytes())
	}
	if copyGBps(1e9, 1) != 2000 {
		t.Fatalf("copyGBps(1e9 B, 1 ms) = %g, want 2000", copyGBps(1e9, 1))
	}
}

// TestFakeConcurrent: goroutines sharing one backend, and goroutines with
// a backend each on one device, get the results of running alone.
func TestFakeConcurrent(t *testing.T) {
	g := newFakeGPU(0)
	shared := openFake(t, g)
	defer shared.Close()
	checkConcurrent(t, shared, func() *Backend { return openFake(t, g) }, ropeXCases(true)[1], 4, 5)
	if shared.MemInUse() != 0 {
		t.Errorf("MemInUse %d after every worker freed its tensors", shared.MemInUse())
	}
}

// TestFakePrecompile loads every variant's module once; later ops load
// nothing more.
func TestFakePrecompile(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	vs := kernels.Variants([]int{128})
	if err := b.Precompile(vs); err != nil {
		t.Fatal(err)
	}
	loaded := g.loads
	if loaded < 10 {
		t.Fatalf("%d modules loaded for %d variants", loaded, len(vs))
	}
	if err := b.Precompile(vs); err != nil || g.loads != loaded {
		t.Fatalf("second Precompile: %v, %d more loads", err, g.loads-loaded)
	}
	c := ropeXCases(true)[0]
	x := c.tensors(t, b, c.data(2))
	if err := b.RoPE(&ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: c.rotary(t)}); err != nil {
		t.Fatal(err)
	}
	if g.loads != loaded+1 { // the backend's own kernels
		t.Fatalf("RoPE after Precompile loaded %d modules, want only the backend's own", g.loads-loaded)
	}
	bad := []kernels.Variant{{Family: kernels.AttnDecode, Options: kernels.Options{DType: ops.BF16, HeadDim: 7}}}
	if err := b.Precompile(bad); !errors.Is(err, ops.ErrUnsupported) {
		t.Fatalf("Precompile of an invalid variant: %v, want ErrUnsupported", err)
	}
}

// TestFakeWrapBounds: a wrap that runs past the end of the engine's
// allocation is refused.
func TestFakeWrapBounds(t *testing.T) {
	b := openFake(t, newFakeGPU(0))
	defer b.Close()
	eng, _ := b.Alloc(ops.F32, 64) // 256 bytes
	p := eng.Mem.(*Memory).Ptr()
	if _, err := b.Wrap(p+128, 128, ops.F32, 0, 32); err != nil {
		t.Fatalf("wrap of the allocation's second half: %v", err)
	}
	_, err := b.Wrap(p+128, 132, ops.F32, 0, 33)
	var ae *ops.ArgError
	if !errors.As(err, &ae) || ae.Kind != ops.ErrBuffer || ae.Arg != "bytes" {
		t.Fatalf("wrap past the allocation: %v, want ErrBuffer naming bytes", err)
	}
}
