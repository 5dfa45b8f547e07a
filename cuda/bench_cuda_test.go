//go:build cuda

package cuda

import (
	"testing"

	"github.com/rotorkernels/rotor/bench"
	"github.com/rotorkernels/rotor/cuda/internal/devkern"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// BenchmarkLaunch measures the host cost of one kernel launch through the
// backend's path (function lookup, parameter packing, the shim's
// cuLaunchKernel) with the context already current: a one-block fma_peak
// with no iterations, synchronised every 1000 launches.
func BenchmarkLaunch(b *testing.B) {
	be := openGPU(b)
	defer be.Close()
	be.mu.Lock()
	defer be.mu.Unlock()
	if err := be.drv.enter(); err != nil {
		b.Fatal(err)
	}
	defer be.drv.exit()
	out, err := be.internalAlloc(devkern.Block * 4)
	if err != nil {
		b.Fatal(err)
	}
	defer be.internalFree(out, devkern.Block*4)
	u, err := be.dev.utilities(be.drv)
	if err != nil {
		b.Fatal(err)
	}
	args := []kernels.Arg{kernels.Ptr(out), kernels.I32(0), kernels.F32(1), kernels.F32(0)}
	i := 0
	for b.Loop() {
		be.words = packArgs(be.words, args)
		if err := be.drv.launch(u.fmaPeak, [3]int{1, 1, 1}, [3]int{devkern.Block, 1, 1}, 0, be.words); err != nil {
			b.Fatal(err)
		}
		if i++; i%1000 == 0 {
			be.drv.sync()
		}
	}
	if err := be.drv.sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRoPEDecode measures one Llama-3.1-8B decode-step RoPE (T=1,
// 32+8 heads, d=128, bf16) as an engine calls it: with the device value
// check of the position (one launch and a wait) and without it.
func BenchmarkRoPEDecode(b *testing.B) {
	be := openGPU(b)
	defer be.Close()
	m, err := bench.LookupModel("llama-3.1-8b")
	if err != nil {
		b.Fatal(err)
	}
	rot, err := m.Rotary(m.Context)
	if err != nil {
		b.Fatal(err)
	}
	q, _ := be.Alloc(ops.BF16, 1, m.QHeads, m.HeadDim)
	k, _ := be.Alloc(ops.BF16, 1, m.KVHeads, m.HeadDim)
	pos, _ := be.Alloc(ops.I32, 1)
	args := &ops.RoPEArgs{Q: q, K: k, Positions: pos, Rotary: rot}
	for _, checked := range []bool{true, false} {
		name := "checked"
		if !checked {
			name = "unchecked"
		}
		b.Run(name, func(b *testing.B) {
			be.SetValueChecks(checked)
			defer be.SetValueChecks(true)
			for b.Loop() {
				if err := be.RoPE(args); err != nil {
					b.Fatal(err)
				}
			}
			if err := be.Sync(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
