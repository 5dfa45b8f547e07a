package cuda

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// BenchmarkFakeHostOverhead measures the host side of one op on the
// simulated device, whose driver calls cost nothing and whose kernels do
// not run: argument checks, planning, table lookup, the value-check
// descriptors and the parameter packing of a Llama-3.1-8B decode step
// (T=1, 32 query and 8 key heads, d=128, bf16). On a GPU each driver call
// adds its own cost (measured by BenchmarkLaunch in the cuda-tagged
// tests).
func BenchmarkFakeHostOverhead(b *testing.B) {
	g := newFakeGPU(0)
	be := openFake(b, g)
	defer be.Close()
	rot, err := ops.Llama3(ops.Llama3Params{RoPEParams: ops.RoPEParams{HeadDim: 128, Base: 5e5},
		Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192})
	if err != nil {
		b.Fatal(err)
	}
	q, _ := be.Alloc(ops.BF16, 1, 32, 128)
	k, _ := be.Alloc(ops.BF16, 1, 8, 128)
	pos, _ := be.Alloc(ops.I32, 1)
	args := &ops.RoPEArgs{Q: q, K: k, Positions: pos, Rotary: rot}
	if err := be.RoPE(args); err != nil {
		b.Fatal(err)
	}
	for _, checks := range []bool{true, false} {
		name := "checked"
		if !checks {
			name = "unchecked"
		}
		b.Run("rope/"+name, func(b *testing.B) {
			be.SetValueChecks(checks)
			g.quiet = true
			defer func() { g.quiet = false }()
			b.ReportAllocs()
			for b.Loop() {
				if err := be.RoPE(args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
