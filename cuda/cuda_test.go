//go:build cuda

package cuda

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/rotorkernels/rotor/crosscheck"
	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/ops/opstest"
)

// These tests need a CUDA device (they are built with -tags cuda, and a
// binary so built exits at start-up without one). scripts/gpu-check runs
// them from prebuilt binaries.

// openGPU opens a backend on device ROTOR_CUDA_DEVICE (default 0).
func openGPU(t testing.TB) *Backend {
	t.Helper()
	ord := 0
	if s := os.Getenv("ROTOR_CUDA_DEVICE"); s != "" {
		fmt.Sscan(s, &ord)
	}
	b, err := Open(ord)
	if err != nil {
		t.Fatalf("Open(%d): %v", ord, err)
	}
	return b
}

// TestDevice logs the device and checks Open's arguments.
func TestDevice(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	info := b.Device()
	t.Logf("device %d: %s, compute %v (kernels compiled for %v), %d SMs, %d KiB shared memory per block, %.1f GiB, driver %d",
		info.Ordinal, info.Name, info.Arch, info.CompileArch, info.SMs, info.SmemOptin>>10, float64(info.TotalMem)/(1<<30), info.DriverVersion)
	if info.SMs < 1 || info.TotalMem < 1<<30 || info.SmemOptin < 48<<10 {
		t.Errorf("implausible device description %+v", info)
	}
	if _, err := Open(Devices()); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("Open(Devices()) = %v, want ErrConfig", err)
	}
	if _, err := Open(-1); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("Open(-1) = %v, want ErrConfig", err)
	}
}

// TestConformance runs the conformance suite, the same as the fallback's.
func TestConformance(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	opstest.Run(t, b)
}

// TestRoPECrossBackend: RoPE and RoPE+append agree bit for bit with the
// fallback backend, in Accurate and Compat modes, every dtype and layout,
// strided fused views and partial rotary.
func TestRoPECrossBackend(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	checkRoPECrossBackend(t, b, false)
}

// TestCrossBackendChecks runs every registered cross-backend check (rotor
// check --backend cuda) against float64 and the fallback: exact where the
// contract makes an op exact, else within the precision bounds.
// scripts/gpu-check runs the same checks through rotor check instead, one
// op per process.
func TestCrossBackendChecks(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	for _, op := range crosscheck.Ops() {
		t.Run(op, func(t *testing.T) {
			rs, err := crosscheck.Run(&crosscheck.Ctx{Test: b, Ref: fallback.New(), Seed: 1}, op)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			crosscheck.WriteTable(&buf, rs)
			t.Logf("\n%s", buf.String())
			if n := crosscheck.Failed(rs); n > 0 {
				t.Errorf("%d of %d cases failed", n, len(rs))
			}
		})
	}
}

// TestLeaks: after ops, frees and Close, the backend holds no device
// memory (LiveBytes back to zero) and the device's free memory is back
// within the driver's own slack.
func TestLeaks(t *testing.T) {
	base := LiveBytes()
	b := openGPU(t)
	free0, err := freeMem(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range ropeXCases(true) {
		x := c.tensors(t, b, c.data(uint64(i)))
		rot := c.rotary(t)
		if err := b.RoPEAppend(&ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc,
			Positions: x.pos, Slots: x.slots, Rotary: rot, Angles: c.angles}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			x.free(b) // the odd ones are left for Close
		}
	}
	if _, err := b.PeakGBps(); err != nil {
		t.Fatal(err)
	}
	if b.MemInUse() == 0 || b.InternalBytes() == 0 {
		t.Fatalf("MemInUse %d, InternalBytes %d: want both > 0 before Close", b.MemInUse(), b.InternalBytes())
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := LiveBytes(); got != base {
		t.Fatalf("LiveBytes = %d after Close, want %d", got, base)
	}
	probe := openGPU(t)
	defer probe.Close()
	free1, err := freeMem(probe)
	if err != nil {
		t.Fatal(err)
	}
	if d := free0 - free1; d > 64<<20 {
		t.Errorf("device free memory fell by %d MiB across open, ops and close", d>>20)
	}
}

// TestConcurrent: goroutines sharing one backend, and goroutines with a
// backend each, get the results they get alone.
func TestConcurrent(t *testing.T) {
	shared := openGPU(t)
	defer shared.Close()
	checkConcurrent(t, shared, func() *Backend { return openGPU(t) }, ropeXCases(false)[2], 8, 20)
}

// TestWrapDevicePointer wraps the device pointer of an allocation, as an
// engine wraps its own, and runs RoPE on it.
func TestWrapDevicePointer(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	c := ropeXCases(true)[0]
	d := c.data(9)
	x := c.tensors(t, b, d)
	defer x.free(b)
	m := x.q.Mem.(*Memory)
	wq, err := b.Wrap(m.Ptr(), m.Bytes(), c.dt, 0, c.T, c.Hq, c.headDim)
	if err != nil {
		t.Fatal(err)
	}
	rot := c.rotary(t)
	if err := b.RoPE(&ops.RoPEArgs{Q: wq, Positions: x.pos, Rotary: rot}); err != nil {
		t.Fatal(err)
	}
	ref := fallback.New()
	y := c.tensors(t, ref, d)
	if err := ref.RoPE(&ops.RoPEArgs{Q: y.q, Positions: y.pos, Rotary: rot}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, b, x.q), read(t, ref, y.q)) {
		t.Fatal("RoPE on a wrapped pointer differs from the fallback")
	}
	if _, err := b.Wrap(12345, 64, ops.F32, 0, 16); !errors.Is(err, ops.ErrBuffer) {
		t.Errorf("Wrap of a host address: %v, want ErrBuffer", err)
	}
}

// TestValueChecksOnDevice: the validate kernel flags every kind of bad
// value, including a duplicate slot among thousands, and the op writes
// nothing.
func TestValueChecksOnDevice(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	const T, S = 4096, 100000
	c := ropeXCase{dt: ops.BF16, layout: ops.NeoX, headDim: 64, dim: 64, T: T, Hq: 1, Hk: 1, Dv: 64, maxPos: 1 << 30, rotaryAttention: 1}
	d := c.data(5)
	for i := range d.slots {
		d.slots[i] = int32(S - 1 - 7*i)
	}
	d.S = S
	x := c.tensors(t, b, d)
	defer x.free(b)
	args := &ops.RoPEAppendArgs{Q: x.q, K: x.k, V: x.v, KCache: x.kc, VCache: x.vc, Positions: x.pos, Slots: x.slots, Rotary: c.rotary(t)}
	q0 := read(t, b, x.q)
	for _, tc := range []struct {
		name  string
		pos   []int32
		slots []int32
		arg   string
	}{
		{"negative position", repl(d.pos, T-1, -1), d.slots, fmt.Sprintf("positions[%d]", T-1)},
		{"slot = S", d.pos, repl(d.slots, 1000, S), "slots[1000]"},
		{"duplicate slot", d.pos, repl(d.slots, 4000, d.slots[17]), "slots[4000]"},
	} {
		if err := b.Write(x.pos, ops.Bytes(tc.pos)); err != nil {
			t.Fatal(err)
		}
		if err := b.Write(x.slots, ops.Bytes(tc.slots)); err != nil {
			t.Fatal(err)
		}
		err := b.RoPEAppend(args)
		var ae *ops.ArgError
		if !errors.As(err, &ae) || ae.Kind != ops.ErrRange || ae.Arg != tc.arg {
			t.Errorf("%s: %v, want ErrRange naming %s", tc.name, err, tc.arg)
		}
		if !bytes.Equal(read(t, b, x.q), q0) {
			t.Fatalf("%s: q was written", tc.name)
		}
	}
}

// TestPeaks measures the copy and FMA peaks the benchmarks compare with.
func TestPeaks(t *testing.T) {
	b := openGPU(t)
	defer b.Close()
	gb, err := b.PeakGBps()
	if err != nil {
		t.Fatal(err)
	}
	gf, err := b.PeakGFlops()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("device-to-device copy %.0f GB/s (read + write), fp32 FMA %.1f TFLOP/s", gb, gf/1e3)
	if gb < 100 || gf < 1000 {
		t.Errorf("implausible peaks: %.0f GB/s, %.0f GFLOP/s", gb, gf)
	}
}

// freeMem returns the device's free memory, asked through b's context.
func freeMem(b *Backend) (int, error) {
	if err := b.enter(); err != nil {
		return 0, err
	}
	defer b.exit()
	free, _, err := b.drv.memInfo()
	return free, err
}
