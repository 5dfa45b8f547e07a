package fallback

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestRoPEAppendNoAllocs checks that appending to a KV cache allocates
// nothing once warm, for a decode step and for a prefill chunk large
// enough that the duplicate-slot check marks a bitset.
func TestRoPEAppendNoAllocs(t *testing.T) {
	b := New()
	rot, _ := ops.DefaultRoPE(128, 5e5)
	const slots = 4096
	kc := WrapU16(ops.BF16, make([]uint16, slots*8*128), slots, 8, 128)
	vc := WrapU16(ops.BF16, make([]uint16, slots*8*128), slots, 8, 128)
	for _, T := range []int{1, 300} {
		pos, sl := make([]int32, T), make([]int32, T)
		for i := range sl {
			pos[i], sl[i] = int32(1000+i), int32(slots-1-3*i)
		}
		a := &ops.RoPEAppendArgs{
			Q:         WrapU16(ops.BF16, make([]uint16, T*32*128), T, 32, 128),
			K:         WrapU16(ops.BF16, make([]uint16, T*8*128), T, 8, 128),
			V:         WrapU16(ops.BF16, make([]uint16, T*8*128), T, 8, 128),
			KCache:    kc,
			VCache:    vc,
			Positions: WrapI32(pos, T),
			Slots:     WrapI32(sl, T),
			Rotary:    rot,
		}
		if err := b.RoPEAppend(a); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(10, func() { _ = b.RoPEAppend(a) }); n > 0 {
			t.Errorf("T=%d: RoPEAppend allocates %v times per call, want 0", T, n)
		}
	}
}
