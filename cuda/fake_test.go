package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/x448/float16"

	"github.com/rotorkernels/rotor/cuda/internal/devkern"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// fakeGPU is a device simulated in host memory for the tests: an address
// space of device allocations and pinned host buffers, modules whose
// "PTX" names a kernel family variant, and Go emulations of the kernels
// the backend launches (rope, rope_append, validate, fma_peak). Work runs
// when it is submitted, so stream order holds trivially. Accesses
// outside an allocation and misaligned vector accesses fail the launch
// with CUDA_ERROR_ILLEGAL_ADDRESS / MISALIGNED_ADDRESS, as a GPU would.
type fakeGPU struct {
	mu      sync.Mutex
	ordinal int
	next    uint64
	regions map[uint64][]byte // base -> bytes
	bases   []uint64          // sorted
	pinned  map[*byte]uint64  // host slice -> base
	mods    map[handle]string // module -> its fake PTX
	fns     map[handle]fakeFn
	nextH   handle
	events  map[handle]bool
	loads   int // modules loaded
	// launches records every launch: kernel name, grid, block.
	launches []string
	// fail makes the named driver call fail once with the result.
	fail map[string]Result
	// optIns records setMaxDynamicSmem calls.
	optIns map[handle]int
	// unemulated counts launches of kernels the fake does not run.
	unemulated int
	// quiet stops recording launches and running kernels, so that a
	// benchmark measures only the host side.
	quiet bool

	// current is the context current on the (one) calling thread; 0:
	// none. ctxAtLaunch and streamAtLaunch record it and the driver's
	// stream at each recorded launch.
	current                     uintptr
	ctxAtLaunch, streamAtLaunch []uintptr
	// capturing marks streams being captured into a graph.
	capturing map[uintptr]bool
	// syncs counts stream and event synchronisations, hostCopies the
	// copies between host and device.
	syncs, hostCopies int
}

// Context and stream handles of the fake drivers: the device's own
// ("primary") context and stream, unless a test says otherwise.
const (
	fakePrimaryCtx = 0xc0
	fakeOwnStream  = 0x50
)

func (g *fakeGPU) getCurrent() (uintptr, Result) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.current, 0
}

func (g *fakeGPU) setCurrent(c uintptr) Result {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.current = c
	return 0
}

type fakeFn struct {
	mod  handle
	name string
}

func newFakeGPU(ordinal int) *fakeGPU {
	return &fakeGPU{ordinal: ordinal, next: 1 << 32, regions: map[uint64][]byte{}, pinned: map[*byte]uint64{},
		mods: map[handle]string{}, fns: map[handle]fakeFn{}, nextH: 1, events: map[handle]bool{},
		fail: map[string]Result{}, optIns: map[handle]int{}, capturing: map[uintptr]bool{}}
}

// fakePTX is the text the fake compile functions return for a variant.
func fakePTX(f kernels.Family, o kernels.Options) string {
	return fmt.Sprintf("fake %s %d %d %d %d %v", f, o.DType, o.Layout, o.Angles, o.HeadDim, o.KeyRoPE)
}

func fakeCompile(f kernels.Family, o kernels.Options, arch kernels.Arch) (string, error) {
	if err := o.Validate(f); err != nil {
		return "", err
	}
	return fakePTX(f, o), nil
}

func fakeUtilPTX(compute string) (string, error) { return "fake devkern", nil }

// failing returns the injected failure of call, once.
func (g *fakeGPU) failing(call string) error {
	if r, ok := g.fail[call]; ok {
		delete(g.fail, call)
		return driverError(call, r)
	}
	return nil
}

func (g *fakeGPU) newRegion(n int) uint64 {
	base := g.next
	g.next += uint64((n+4095)&^4095) + 4096 // a gap after each region
	g.regions[base] = make([]byte, n)
	i := sort.Search(len(g.bases), func(i int) bool { return g.bases[i] > base })
	g.bases = append(g.bases, 0)
	copy(g.bases[i+1:], g.bases[i:])
	g.bases[i] = base
	return base
}

func (g *fakeGPU) dropRegion(base uint64) bool {
	if _, ok := g.regions[base]; !ok {
		return false
	}
	delete(g.regions, base)
	i := sort.Search(len(g.bases), func(i int) bool { return g.bases[i] >= base })
	g.bases = append(g.bases[:i], g.bases[i+1:]...)
	return true
}

// span returns the n bytes at addr, or false when they are not inside
// one region.
func (g *fakeGPU) span(addr uint64, n int) ([]byte, bool) {
	i := sort.Search(len(g.bases), func(i int) bool { return g.bases[i] > addr }) - 1
	if i < 0 {
		return nil, false
	}
	r := g.regions[g.bases[i]]
	off := addr - g.bases[i]
	if n < 0 || off+uint64(n) > uint64(len(r)) {
		return nil, false
	}
	return r[off : off+uint64(n)], true
}

func (g *fakeGPU) liveRegions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.regions)
}

// fakeDriver is one backend's driver on a fakeGPU, in context ctx on
// stream.
type fakeDriver struct {
	g           *fakeGPU
	ctx, stream uintptr
	entered     int
	closed      bool
	sw          ctxSwitch
}

func (d *fakeDriver) enter() error {
	if d.closed {
		panic("fake driver: enter after close")
	}
	if d.entered != 0 {
		panic("fake driver: nested enter")
	}
	d.entered++
	if err := d.g.failing("enter"); err != nil {
		return err
	}
	return d.sw.enter(d.ctx, d.g.getCurrent, d.g.setCurrent)
}

func (d *fakeDriver) exit() {
	if d.entered != 1 {
		panic("fake driver: exit without enter")
	}
	d.sw.exit(d.g.setCurrent)
	d.entered--
}

func (d *fakeDriver) capturing() (bool, error) {
	d.inside("capturing")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	return d.g.capturing[d.stream], nil
}

// inside panics unless the call happens between enter and exit.
func (d *fakeDriver) inside(call string) {
	if d.entered != 1 {
		panic("fake driver: " + call + " outside enter/exit")
	}
}

// fakeMemory is the fake device's memory: larger allocations fail as on a
// device that lacks the memory.
const fakeMemory = 1 << 32

func (d *fakeDriver) alloc(n int) (uint64, error) {
	d.inside("alloc")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if err := d.g.failing("alloc"); err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, driverError("cuMemAlloc", 1)
	}
	if n > fakeMemory {
		return 0, driverError("cuMemAlloc", 2) // CUDA_ERROR_OUT_OF_MEMORY
	}
	return d.g.newRegion(n), nil
}

func (d *fakeDriver) free(p uint64) error {
	d.inside("free")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if !d.g.dropRegion(p) {
		return driverError("cuMemFree", 1)
	}
	return nil
}

func (d *fakeDriver) hostAlloc(n int) ([]byte, uint64, error) {
	d.inside("hostAlloc")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	base := d.g.newRegion(n)
	h := d.g.regions[base]
	d.g.pinned[&h[0]] = base
	return h, base, nil
}

func (d *fakeDriver) hostFree(h []byte) error {
	d.inside("hostFree")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	base, ok := d.g.pinned[&h[0]]
	if !ok {
		return driverError("cuMemFreeHost", 1)
	}
	delete(d.g.pinned, &h[0])
	d.g.dropRegion(base)
	return nil
}

func (d *fakeDriver) pointerDevice(p uint64) (int, error) {
	d.inside("pointerDevice")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if _, ok := d.g.span(p, 1); !ok {
		return 0, driverError("cuPointerGetAttribute", 1)
	}
	return d.g.ordinal, nil
}

func (d *fakeDriver) addressRange(p uint64) (uint64, int, error) {
	d.inside("addressRange")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	i := sort.Search(len(d.g.bases), func(i int) bool { return d.g.bases[i] > p }) - 1
	if i < 0 || p-d.g.bases[i] >= uint64(len(d.g.regions[d.g.bases[i]])) {
		return 0, 0, driverError("cuMemGetAddressRange", 1)
	}
	return d.g.bases[i], len(d.g.regions[d.g.bases[i]]), nil
}

func (d *fakeDriver) memset32(p uint64, v uint32, n int) error {
	d.inside("memset32")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	b, ok := d.g.span(p, 4*n)
	if !ok || p%4 != 0 {
		return driverError("cuMemsetD32Async", 1)
	}
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return nil
}

func (d *fakeDriver) copy(c copy2D) error {
	d.inside("copy")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if err := d.g.failing("copy"); err != nil {
		return err
	}
	if c.width < 0 || c.height < 0 || (c.height > 1 && (c.dstPitch < c.width || c.srcPitch < c.width)) {
		return driverError("cuMemcpy2DAsync", 1)
	}
	if c.kind != deviceToDevice {
		d.g.hostCopies++
	}
	for r := 0; r < c.height; r++ {
		dst, ok1 := d.g.span(c.dst+uint64(r*c.dstPitch), c.width)
		src, ok2 := d.g.span(c.src+uint64(r*c.srcPitch), c.width)
		if !ok1 || !ok2 {
			return driverError("cuMemcpy2DAsync", 1)
		}
		copy(dst, src)
	}
	return nil
}

func (d *fakeDriver) launch(f handle, grid, block [3]int, smem int, args []uint64) error {
	d.inside("launch")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	fn, ok := d.g.fns[f]
	if !ok {
		return driverError("cuLaunchKernel", 400)
	}
	if d.g.quiet {
		return nil
	}
	d.g.launches = append(d.g.launches, fmt.Sprintf("%s %v %v", fn.name, grid, block))
	d.g.ctxAtLaunch = append(d.g.ctxAtLaunch, d.g.current)
	d.g.streamAtLaunch = append(d.g.streamAtLaunch, d.stream)
	if err := d.g.failing("launch"); err != nil {
		return err
	}
	if smem > 48<<10 && d.g.optIns[f] < smem {
		return driverError("cuLaunchKernel", 1)
	}
	return d.g.run(d.g.mods[fn.mod], fn.name, grid, block, args)
}

func (d *fakeDriver) record(e handle) error {
	d.inside("record")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if _, ok := d.g.events[e]; !ok {
		return driverError("cuEventRecord", 400)
	}
	d.g.events[e] = true
	return nil
}

func (d *fakeDriver) sync() error {
	d.inside("sync")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	d.g.syncs++
	return d.g.failing("sync")
}

func (d *fakeDriver) waitEvent(e handle) error {
	d.inside("waitEvent")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	d.g.syncs++
	if _, ok := d.g.events[e]; !ok {
		return driverError("cuEventSynchronize", 400)
	}
	return nil
}

func (d *fakeDriver) elapsed(a, b handle) (float64, error) {
	d.inside("elapsed")
	return 1, nil
}

func (d *fakeDriver) newEvent() (handle, error) {
	d.inside("newEvent")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	d.g.nextH++
	d.g.events[d.g.nextH] = false
	return d.g.nextH, nil
}

func (d *fakeDriver) destroyEvent(e handle) error {
	d.inside("destroyEvent")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if _, ok := d.g.events[e]; !ok {
		return driverError("cuEventDestroy", 400)
	}
	delete(d.g.events, e)
	return nil
}

func (d *fakeDriver) load(ptx string) (handle, error) {
	d.inside("load")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if !strings.HasPrefix(ptx, "fake ") {
		return 0, driverError("cuModuleLoadData", 218)
	}
	d.g.nextH++
	d.g.mods[d.g.nextH] = ptx
	d.g.loads++
	return d.g.nextH, nil
}

func (d *fakeDriver) unload(m handle) error {
	d.inside("unload")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if _, ok := d.g.mods[m]; !ok {
		return driverError("cuModuleUnload", 400)
	}
	delete(d.g.mods, m)
	for h, f := range d.g.fns {
		if f.mod == m {
			delete(d.g.fns, h)
		}
	}
	return nil
}

func (d *fakeDriver) function(m handle, name string) (handle, error) {
	d.inside("function")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	if _, ok := d.g.mods[m]; !ok {
		return 0, driverError("cuModuleGetFunction", 400)
	}
	d.g.nextH++
	d.g.fns[d.g.nextH] = fakeFn{m, name}
	return d.g.nextH, nil
}

func (d *fakeDriver) setMaxDynamicSmem(f handle, n int) error {
	d.inside("setMaxDynamicSmem")
	d.g.mu.Lock()
	defer d.g.mu.Unlock()
	d.g.optIns[f] = n
	return nil
}

func (d *fakeDriver) memInfo() (int, int, error) { return 8 << 30, 16 << 30, nil }

func (d *fakeDriver) close() error {
	if d.closed {
		panic("fake driver: closed twice")
	}
	d.closed = true
	return nil
}

// fakeInfo describes the fake device.
func fakeInfo(ordinal int) DeviceInfo {
	return DeviceInfo{Ordinal: ordinal, Name: "fake", Arch: kernels.Arch{Major: 9}, CompileArch: kernels.Arch{Major: 9},
		SMs: 4, SmemOptin: 227 << 10, TotalMem: 16 << 30, DriverVersion: 12040}
}

// openFake opens a backend on g's primary context with a stream of its
// own, as Open does.
func openFake(t testing.TB, g *fakeGPU) *Backend {
	t.Helper()
	return openFakeOn(t, g, fakePrimaryCtx, fakeOwnStream)
}

// fakeCtxKey is the device registry key of a context of a fake device:
// backends share modules per context, as Open and OpenStream key them.
type fakeCtxKey struct {
	g   *fakeGPU
	ctx uintptr
}

// openFakeOn opens a backend on context ctx and stream of g, as
// OpenStream does.
func openFakeOn(t testing.TB, g *fakeGPU, ctx, stream uintptr) *Backend {
	t.Helper()
	dev := acquireDevice(fakeCtxKey{g, ctx}, fakeInfo(g.ordinal), fakeCompile, fakeUtilPTX)
	b, err := newBackend(&fakeDriver{g: g, ctx: ctx, stream: stream}, dev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --- kernel emulation ---

// illegal is the error of an access outside every allocation.
var illegal = driverError("kernel", 700)

// run emulates kernel name of the module with fake PTX ptx.
func (g *fakeGPU) run(ptx, name string, grid, block [3]int, args []uint64) error {
	if ptx == "fake devkern" {
		switch name {
		case devkern.Validate:
			return g.runValidate(grid, args)
		case devkern.FMAPeak:
			out, ok := g.span(args[0], grid[0]*block[0]*4)
			if !ok {
				return illegal
			}
			clear(out)
			return nil
		}
		return driverError("kernel "+name, 400)
	}
	var fam string
	var o kernels.Options
	var kr bool
	if _, err := fmt.Sscanf(ptx, "fake %s %d %d %d %d %v", &fam, &o.DType, &o.Layout, &o.Angles, &o.HeadDim, &kr); err != nil {
		return driverError("kernel", 218)
	}
	o.KeyRoPE = kr
	var vec int
	switch {
	case fam == string(kernels.RoPE) && strings.HasPrefix(name, "rope_v"):
		fmt.Sscanf(name, "rope_v%d", &vec)
		return g.runRoPE(o, vec, args, false)
	case fam == string(kernels.RoPEAppend) && strings.HasPrefix(name, "rope_append_v"):
		fmt.Sscanf(name, "rope_append_v%d", &vec)
		return g.runRoPE(o, vec, args, true)
	case fam == string(kernels.RoPE) || fam == string(kernels.RoPEAppend):
		return driverError("kernel "+name, 400)
	}
	// The attention and selection kernels are not emulated: their launch
	// is checked against the kernel's parameter list and counted, and
	// leaves memory untouched.
	if kinds := kernels.ParamKinds(name); len(kinds) != len(args) {
		return driverError("kernel "+name+" parameters", 1)
	}
	g.unemulated++
	return nil
}

// runValidate is the validate kernel of devkern.cu, in Go.
func (g *fakeGPU) runValidate(grid [3]int, args []uint64) error {
	for y := 0; y < grid[1]; y++ {
		raw, ok := g.span(args[0]+uint64(y*devkern.CheckSize), devkern.CheckSize)
		if !ok {
			return illegal
		}
		c := devkern.ReadCheck(raw)
		bad := false
		for i := int64(0); i < c.N; i++ {
			off := (i/c.Width)*c.RowStride + i%c.Width
			e, ok := g.span(c.Ptr+uint64(4*off), 4)
			if !ok {
				return illegal
			}
			u := binary.LittleEndian.Uint32(e)
			if c.Kind == devkern.KindLogit {
				bad = bad || devkern.BadLogit(u)
				continue
			}
			if c.Kind == devkern.KindLSE {
				bad = bad || devkern.BadLSE(u)
				continue
			}
			x := int64(int32(u))
			if x < c.Lo || x > c.Hi {
				bad = true
			} else if c.Kind == devkern.KindUnique {
				h := (uint32(int32(x)) * 2654435761) & uint32(c.Mask)
				for {
					slot, ok := g.span(c.Table+4*uint64(h), 4)
					if !ok {
						return illegal
					}
					old := int32(binary.LittleEndian.Uint32(slot))
					if old == -1 {
						binary.LittleEndian.PutUint32(slot, uint32(int32(x)))
						break
					}
					if int64(old) == x {
						bad = true
						break
					}
					h = (h + 1) & uint32(c.Mask)
				}
			}
		}
		if bad {
			f, ok := g.span(args[1]+uint64(4*y), 4)
			if !ok {
				return illegal
			}
			binary.LittleEndian.PutUint32(f, 1)
		}
	}
	return nil
}

// elem is a typed view of fake device memory for the RoPE emulation.
type elem struct {
	g   *fakeGPU
	dt  ops.DType
	err error
}

func (e *elem) load(addr uint64) float32 {
	n := e.dt.Size()
	b, ok := e.g.span(addr, n)
	if !ok {
		e.err = illegal
		return 0
	}
	switch e.dt {
	case ops.F32:
		return math.Float32frombits(binary.LittleEndian.Uint32(b))
	case ops.BF16:
		return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
	}
	return float16.Frombits(binary.LittleEndian.Uint16(b)).Float32()
}

func (e *elem) store(addr uint64, v float32) {
	n := e.dt.Size()
	b, ok := e.g.span(addr, n)
	if !ok {
		e.err = illegal
		return
	}
	switch e.dt {
	case ops.F32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(v))
	case ops.BF16:
		binary.LittleEndian.PutUint16(b, precision.BF16FromFloat32(v).Bits())
	default:
		binary.LittleEndian.PutUint16(b, float16.Fromfloat32(v).Bits())
	}
}

func (e *elem) raw(addr uint64, n int) []byte {
	b, ok := e.g.span(addr, n)
	if !ok {
		e.err = illegal
	}
	return b
}

// runRoPE emulates rope_vV (appendKV false) and rope_append_vV from their
// parameter lists (kernels/plan_rope.go), per the ops contract: q (and
// k, or k into the cache) rotated pair by pair with precision's angles
// and RotatePair, rounded once to the dtype; pass-through elements and v
// copied into the cache rows slots[t]. It also checks what the GPU would
// fault on: accesses outside allocations, and vector accesses of vec
// elements that are not aligned to their size.
func (g *fakeGPU) runRoPE(o kernels.Options, vec int, a []uint64, appendKV bool) error {
	i64 := func(i int) int64 { return int64(a[i]) }
	i32 := func(i int) int { return int(int32(uint32(a[i]))) }
	var q, k, v, kc, vc, pos, slots, inv uint64
	var attn float64
	var qRow, kRow, vRow, kcRow, vcRow, posStride, slotStride int64
	var T, Hq, Hk, D, half, Dv, S int
	if appendKV {
		q, k, v, kc, vc, pos, slots, inv = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
		attn = math.Float64frombits(a[8])
		qRow, kRow, vRow, kcRow, vcRow, posStride, slotStride = i64(9), i64(10), i64(11), i64(12), i64(13), i64(14), i64(15)
		T, Hq, Hk, D, half, Dv, S = i32(16), i32(17), i32(18), i32(19), i32(20), i32(21), i32(22)
	} else {
		q, k, pos, inv = a[0], a[1], a[2], a[3]
		attn = math.Float64frombits(a[4])
		qRow, kRow, posStride = i64(5), i64(6), i64(7)
		T, Hq, Hk, D, half = i32(8), i32(9), i32(10), i32(11), i32(12)
	}
	es := uint64(o.DType.Size())
	if vec < 1 || half%vec != 0 || D%vec != 0 {
		return driverError("kernel rope vec", 716)
	}
	vb := uint64(vec) * es
	for _, p := range []uint64{q, k, kc} {
		if p%vb != 0 {
			return driverError("kernel rope alignment", 716)
		}
	}
	for _, r := range []int64{qRow, kRow, kcRow} {
		if uint64(r)*es%vb != 0 {
			return driverError("kernel rope row alignment", 716)
		}
	}
	e := &elem{g: g, dt: o.DType}
	cosSin := func(p int32, j int) (float32, float32) {
		if o.Angles == ops.Compat {
			b := e.raw(inv+4*uint64(j), 4)
			if b == nil {
				return 0, 0
			}
			return precision.CompatCosSin(p, math.Float32frombits(binary.LittleEndian.Uint32(b)), attn)
		}
		b := e.raw(inv+8*uint64(j), 8)
		if b == nil {
			return 0, 0
		}
		return precision.AccurateCosSin(p, math.Float64frombits(binary.LittleEndian.Uint64(b)), attn)
	}
	rotate := func(src, dst uint64, p int32) {
		for j := 0; j < half; j++ {
			ia, ib := ops.PairIndex(o.Layout, 2*half, j)
			x, y := e.load(src+uint64(ia)*es), e.load(src+uint64(ib)*es)
			c, s := cosSin(p, j)
			rx, ry := precision.RotatePair(x, y, c, s)
			e.store(dst+uint64(ia)*es, rx)
			e.store(dst+uint64(ib)*es, ry)
		}
	}
	for t := 0; t < T; t++ {
		pb := e.raw(pos+4*uint64(int64(t)*posStride), 4)
		if pb == nil {
			return e.err
		}
		p := int32(binary.LittleEndian.Uint32(pb))
		for h := 0; h < Hq; h++ {
			row := q + es*uint64(int64(t)*qRow+int64(h*D))
			rotate(row, row, p)
		}
		if !appendKV {
			for h := 0; h < Hk; h++ {
				row := k + es*uint64(int64(t)*kRow+int64(h*D))
				rotate(row, row, p)
			}
			continue
		}
		sb := e.raw(slots+4*uint64(int64(t)*slotStride), 4)
		if sb == nil {
			return e.err
		}
		s := int(int32(binary.LittleEndian.Uint32(sb)))
		if s < 0 || s >= S {
			continue
		}
		for h := 0; h < Hk; h++ {
			src := k + es*uint64(int64(t)*kRow+int64(h*D))
			dst := kc + es*uint64(int64(s)*kcRow+int64(h*D))
			for i := 2 * half; i < D; i++ {
				e.store(dst+uint64(i)*es, e.load(src+uint64(i)*es))
			}
			rotate(src, dst, p)
			vs := v + es*uint64(int64(t)*vRow+int64(h*Dv))
			vd := vc + es*uint64(int64(s)*vcRow+int64(h*Dv))
			copy(e.raw(vd, Dv*int(es)), e.raw(vs, Dv*int(es)))
		}
		if e.err != nil {
			return e.err
		}
	}
	return e.err
}
