//go:build cuda

package cuda

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// TestWarmUp compiles (NVRTC, into the disk cache) and loads (the
// driver's JIT, into its compute cache) the kernel variants listed in
// the file $ROTOR_WARMUP, one kernels.ParseVariant line each, or share i
// of n of them with $ROTOR_WARMUP_SHARD=i/n. scripts/gpu-check runs n such
// processes side by side before its tests, so that no test waits for a
// compilation. Skipped when $ROTOR_WARMUP is unset.
func TestWarmUp(t *testing.T) {
	path := os.Getenv("ROTOR_WARMUP")
	if path == "" {
		t.Skip("set ROTOR_WARMUP=FILE (and ROTOR_WARMUP_SHARD=i/n) to precompile the variants listed in FILE")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	shard, shards := 0, 1
	if s := os.Getenv("ROTOR_WARMUP_SHARD"); s != "" {
		if _, err := fmt.Sscanf(s, "%d/%d", &shard, &shards); err != nil || shards < 1 || shard < 0 || shard >= shards {
			t.Fatalf("ROTOR_WARMUP_SHARD = %q: want i/n with 0 ≤ i < n", s)
		}
	}
	var vs []kernels.Variant
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		v, err := kernels.ParseVariant(line)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		if i%shards == shard {
			vs = append(vs, v)
		}
	}
	b := openGPU(t)
	defer b.Close()
	if err := b.Precompile(vs); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d variants compiled and loaded for %v with %d workers", len(vs), b.Device().CompileArch, runtime.GOMAXPROCS(0))
}

// TestOpenStream runs RoPE+append on a backend opened on the primary
// context and a stream of the test's own: the result equals that of a
// backend from Open, the thread's current context is restored after
// every call, and Close leaves the stream usable. The ops (value checks
// off, warmed up) are then captured into a CUDA graph on that stream;
// replaying the graph gives the same bytes, and a call that would wait
// for the device fails with ErrUnsupported without spoiling the capture.
func TestOpenStream(t *testing.T) {
	own := openGPU(t)
	defer own.Close()
	drv := own.drv.driver.(*cuDriver)
	var sw ctxSwitch
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := sw.enter(drv.ctx, shimCtxGetCurrent, shimCtxSetCurrent); err != nil {
		t.Fatal(err)
	}
	defer sw.exit(shimCtxSetCurrent)
	stream, r := shimStreamCreate()
	if r != 0 {
		t.Fatal(driverError("cuStreamCreate", r))
	}
	defer shimStreamDestroy(stream)
	b, err := OpenStream(0, stream)
	if err != nil {
		t.Fatal(err)
	}
	current := func(when string) {
		t.Helper()
		if c, _ := shimCtxGetCurrent(); c != drv.ctx {
			t.Fatalf("%s: current context %#x, want the caller's %#x", when, c, drv.ctx)
		}
	}
	c := ropeXCases(true)[0]
	d := c.data(11)
	rot := c.rotary(t)
	run := func(be *Backend) (*ropeXTensors, error) {
		x := c.tensors(t, be, d)
		return x, be.RoPEAppend(&ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc,
			Positions: x.pos, Slots: x.slots, Rotary: rot, Angles: c.angles})
	}
	read := func(be *Backend, x *ropeXTensors) []byte {
		t.Helper()
		var out []byte
		for _, tn := range []*ops.Tensor{x.q, x.kc, x.vc} {
			raw := make([]byte, tn.Len()*tn.DType.Size())
			if err := be.Read(raw, tn); err != nil {
				t.Fatal(err)
			}
			out = append(out, raw...)
		}
		return out
	}
	xo, err := run(own)
	if err != nil {
		t.Fatal(err)
	}
	want := read(own, xo)
	xs, err := run(b)
	if err != nil {
		t.Fatal(err)
	}
	current("after RoPEAppend")
	if got := read(b, xs); !bytes.Equal(got, want) {
		t.Fatal("RoPE+append on the caller's stream differs from Open's backend")
	}
	current("after Read")

	// Capture: warm (the call above), value checks off, the tensors made
	// and filled before the capture (which records, and runs nothing).
	b.SetValueChecks(false)
	xg := c.tensors(t, b, d)
	if r := shimCaptureBegin(stream); r != 0 {
		t.Skipf("stream capture not available here: %v", driverError("cuStreamBeginCapture", r))
	}
	args := &ops.RoPEAppendArgs{Q: xg.q, K: xg.k, V: xg.v, KCache: xg.kc, VCache: xg.vc, Positions: xg.pos, Slots: xg.slots, Rotary: rot, Angles: c.angles}
	capErr := b.RoPEAppend(args)
	syncErr := b.Sync()
	exec, r := shimCaptureEnd(stream)
	if capErr != nil {
		t.Fatalf("RoPEAppend while capturing: %v", capErr)
	}
	if !errors.Is(syncErr, ops.ErrUnsupported) {
		t.Fatalf("Sync while capturing: %v, want ErrUnsupported", syncErr)
	}
	if r != 0 {
		t.Fatalf("the capture was spoilt: %v", driverError("cuStreamEndCapture", r))
	}
	defer shimGraphDestroy(exec)
	if r := shimGraphLaunch(exec, stream); r != 0 {
		t.Fatal(driverError("cuGraphLaunch", r))
	}
	if got := read(b, xg); !bytes.Equal(got, want) {
		t.Fatal("the replayed graph's RoPE+append differs from the direct call")
	}
	current("after the replay")
	xg.free(b)
	xs.free(b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if r := shimStreamSync(stream); r != 0 {
		t.Fatalf("the caller's stream after Close: %v", driverError("cuStreamSynchronize", r))
	}
	current("after Close")
}
