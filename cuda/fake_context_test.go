package cuda

import (
	"errors"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// engineCtx and engineStream stand for an engine's own context and
// stream.
const (
	engineCtx    = 0xe1
	engineStream = 0x77
)

// TestFakeRestoresCallerContext: every call makes the backend's context
// current for its driver work and leaves the caller's current context
// (none, another one, or the backend's own) as it found it.
func TestFakeRestoresCallerContext(t *testing.T) {
	g := newFakeGPU(0)
	b := openFake(t, g)
	defer b.Close()
	c := ropeXCases(true)[0]
	d := c.data(1)
	for _, prev := range []uintptr{0, engineCtx, fakePrimaryCtx} {
		g.current = prev
		x := c.tensors(t, b, d)
		calls := map[string]func() error{
			"RoPE": func() error {
				return b.RoPE(&ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: c.rotary(t)})
			},
			"Read": func() error { return b.Read(make([]byte, len(d.q)), x.q) },
			"Sync": b.Sync,
			"Free": func() error { return b.Free(x.kc) },
		}
		for name, call := range calls {
			if err := call(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if g.current != prev {
				t.Fatalf("after %s the current context is %#x, want the caller's %#x", name, g.current, prev)
			}
		}
		x.free(b)
	}
	if len(g.ctxAtLaunch) == 0 {
		t.Fatal("no launches")
	}
	for i, ctx := range g.ctxAtLaunch {
		if ctx != fakePrimaryCtx {
			t.Fatalf("launch %d (%s) ran in context %#x, want the backend's %#x", i, g.launches[i], ctx, fakePrimaryCtx)
		}
	}
}

// TestFakeCallerStream: a backend opened on an engine's context and
// stream queues every launch there, in that context, and Close leaves
// the caller's context current.
func TestFakeCallerStream(t *testing.T) {
	g := newFakeGPU(0)
	g.current = engineCtx
	b := openFakeOn(t, g, engineCtx, engineStream)
	c := ropeXCases(true)[1]
	x := c.tensors(t, b, c.data(2))
	if err := b.RoPEAppend(&ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc,
		Positions: x.pos, Slots: x.slots, Rotary: c.rotary(t)}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if len(g.launches) < 2 { // validate and rope_append
		t.Fatalf("launches %v", g.launches)
	}
	for i := range g.launches {
		if g.streamAtLaunch[i] != engineStream || g.ctxAtLaunch[i] != engineCtx {
			t.Errorf("launch %s on stream %#x in context %#x, want the engine's %#x and %#x",
				g.launches[i], g.streamAtLaunch[i], g.ctxAtLaunch[i], engineStream, engineCtx)
		}
	}
	if g.current != engineCtx {
		t.Errorf("current context %#x after Close, want the engine's", g.current)
	}
}

// newFakeAttn returns a decode attention call on a fake backend: Tq
// tokens of 2 query heads over a per-request selection of W of 2048
// slots (1 kv head, D = 64).
func newFakeAttn(t *testing.T, b *Backend, dt ops.DType, Tq, W int) *ops.AttentionArgs {
	t.Helper()
	const S, Hq, Hk, D = 2048, 2, 1, 64
	alloc := func(dt ops.DType, shape ...int) *ops.Tensor {
		x, err := b.Alloc(dt, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	idx := make([]int32, W)
	for i := range idx {
		idx[i] = int32((i * 7) % S)
	}
	sel := alloc(ops.I32, W)
	if err := b.Write(sel, ops.Bytes(idx)); err != nil {
		t.Fatal(err)
	}
	return &ops.AttentionArgs{Q: alloc(dt, Tq, Hq, D), K: alloc(dt, S, Hk, D), V: alloc(dt, S, Hk, D),
		O: alloc(dt, Tq, Hq, D), LSE: alloc(ops.F32, Tq, Hq), Sel: ops.Selection{Indices: sel, Granularity: ops.PerRequest}}
}

// TestFakeGraphCapture: on a stream being captured into a graph, ops run
// once warm (modules loaded, scratch sized, tables uploaded) with value
// checks off queue their launches and nothing else: no wait, no
// allocation, no host copy. Whatever would wait, allocate, copy from the
// host or load a module fails with ErrUnsupported before anything is
// queued, so the capture stays intact.
func TestFakeGraphCapture(t *testing.T) {
	g := newFakeGPU(0)
	b := openFakeOn(t, g, engineCtx, engineStream)
	defer b.Close()
	b.SetValueChecks(false)
	c := ropeXCases(true)[0]
	x := c.tensors(t, b, c.data(3))
	rot := c.rotary(t)
	rope := &ops.RoPEArgs{Q: x.q, K: x.k, Positions: x.pos, Rotary: rot}
	appendArgs := &ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc, Positions: x.pos, Slots: x.slots, Rotary: rot}
	split := newFakeAttn(t, b, ops.BF16, 1, 1024) // one token: split-KV and a merge
	whole := newFakeAttn(t, b, ops.BF16, 8, 64)   // eight tokens: no split
	// The f16 split call sizes the scratch and loads the f16 merge; the
	// bf16 calls load the bf16 decode kernels but not the bf16 merge.
	warm := []func() error{
		func() error { return b.RoPE(rope) },
		func() error { return b.RoPEAppend(appendArgs) },
		func() error { return b.Attention(newFakeAttn(t, b, ops.F16, 1, 1024)) },
		func() error { return b.Attention(whole) },
	}
	for i, f := range warm {
		if err := f(); err != nil {
			t.Fatalf("warm-up %d: %v", i, err)
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}

	g.capturing[engineStream] = true
	type counts struct{ launches, syncs, hostCopies, regions, loads int }
	now := func() counts {
		return counts{len(g.launches), g.syncs, g.hostCopies, g.liveRegions(), g.loads}
	}
	before := now()
	for name, f := range map[string]func() error{
		"RoPE":       func() error { return b.RoPE(rope) },
		"RoPEAppend": func() error { return b.RoPEAppend(appendArgs) },
		"Attention":  func() error { return b.Attention(whole) },
	} {
		if err := f(); err != nil {
			t.Fatalf("%s while capturing: %v", name, err)
		}
	}
	after := now()
	if after.launches != before.launches+3 || after.syncs != before.syncs || after.hostCopies != before.hostCopies ||
		after.regions != before.regions || after.loads != before.loads {
		t.Fatalf("warm ops while capturing: %+v → %+v, want three launches and nothing else", before, after)
	}

	cold := newFakeAttnWhileCapturing(t, g, b)
	refused := map[string]func() error{
		"value checks on": func() error {
			b.SetValueChecks(true)
			defer b.SetValueChecks(false)
			return b.RoPE(rope)
		},
		"Write": func() error { return b.Write(x.pos, make([]byte, 4*c.T)) },
		"Read":  func() error { return b.Read(make([]byte, 4*c.T), x.pos) },
		"Sync":  b.Sync,
		"Alloc": func() error { _, err := b.Alloc(ops.F32, 4); return err },
		"Free":  func() error { return b.Free(x.pos) },
		// A dtype not run before: its module is not loaded.
		"cold module": func() error { return b.Attention(cold) },
		// The bf16 merge is not loaded: the decode launch must not be
		// queued without it.
		"cold second kernel": func() error { return b.Attention(split) },
	}
	for name, f := range refused {
		before := now()
		err := f()
		var ae *ops.ArgError
		if !errors.As(err, &ae) || ae.Kind != ops.ErrUnsupported || ae.Arg != "stream" || !strings.Contains(err.Error(), "captured") {
			t.Errorf("%s while capturing: %v, want ErrUnsupported naming the stream", name, err)
		}
		if after := now(); after != before {
			t.Errorf("%s while capturing queued or changed something: %+v → %+v", name, before, after)
		}
	}

	g.capturing[engineStream] = false
	if err := b.Attention(split); err != nil {
		t.Fatalf("after the capture: %v", err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}

// newFakeAttnWhileCapturing returns an f32 decode call (a dtype no
// attention ran in) whose tensors were made before the capture began.
func newFakeAttnWhileCapturing(t *testing.T, g *fakeGPU, b *Backend) *ops.AttentionArgs {
	g.capturing[engineStream] = false
	defer func() { g.capturing[engineStream] = true }()
	return newFakeAttn(t, b, ops.F32, 8, 64)
}
