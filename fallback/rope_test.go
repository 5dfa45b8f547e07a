package fallback

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
	"github.com/x448/float16"
)

// scalarRoPE is the op's definition written one pair at a time with the
// precision package's functions: the tiled, vectorised backend must match
// it bit for bit.
func scalarRoPE(dt ops.DType, r *ops.Rotary, mode ops.AngleMode, pos []int32, x []uint32, heads int) {
	D := r.HeadDim
	inv32 := r.F32()
	for t, p := range pos {
		for h := 0; h < heads; h++ {
			head := x[(t*heads+h)*D : (t*heads+h+1)*D]
			for j := 0; j < r.Dim/2; j++ {
				var c, s float32
				if mode == ops.Accurate {
					c, s = precision.AccurateCosSin(p, r.InvFreq[j], r.AttentionFactor)
				} else {
					c, s = precision.CompatCosSin(p, inv32[j], r.AttentionFactor)
				}
				ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
				a, b := precision.RotatePair(widen(dt, head[ia]), widen(dt, head[ib]), c, s)
				head[ia], head[ib] = narrow(dt, a), narrow(dt, b)
			}
		}
	}
}

func widen(dt ops.DType, u uint32) float32 {
	switch dt {
	case ops.BF16:
		return precision.BF16(u).Float32()
	case ops.F16:
		return float16.Frombits(uint16(u)).Float32()
	}
	return math.Float32frombits(u)
}

func narrow(dt ops.DType, f float32) uint32 {
	switch dt {
	case ops.BF16:
		return uint32(precision.BF16FromFloat32(f))
	case ops.F16:
		return uint32(float16.Fromfloat32(f).Bits())
	}
	return math.Float32bits(f)
}

// ropeTensor holds one tensor's elements as uint32 (bits of the dtype).
func ropeTensor(dt ops.DType, vals []uint32, shape ...int) *ops.Tensor {
	if dt == ops.F32 {
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = math.Float32frombits(v)
		}
		return WrapF32(f, shape...)
	}
	u := make([]uint16, len(vals))
	for i, v := range vals {
		u[i] = uint16(v)
	}
	return WrapU16(dt, u, shape...)
}

func tensorBits(t *ops.Tensor) []uint32 {
	out := make([]uint32, t.Len())
	if t.DType == ops.F32 {
		for i, f := range f32s(t)[:t.Len()] {
			out[i] = math.Float32bits(f)
		}
		return out
	}
	for i, u := range u16s(t)[:t.Len()] {
		out[i] = uint32(u)
	}
	return out
}

func randBits(r *rand.Rand, dt ops.DType, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = narrow(dt, float32(r.NormFloat64()*4))
	}
	return out
}

// TestRoPEMatchesScalarDefinition checks every code path of the tiled
// kernel — F32 in place, widened BF16 and F16, NeoX and GPT-J, partial
// rotary (with a rotary half of 28 pairs, not a whole number of vector
// blocks), both angle modes, one token with heads split across workers
// and many tokens — against the pair-at-a-time definition, bit for bit.
func TestRoPEMatchesScalarDefinition(t *testing.T) {
	b := New()
	r := rand.New(rand.NewPCG(1, 2))
	for _, dt := range []ops.DType{ops.F32, ops.BF16, ops.F16} {
		for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
			for _, mode := range []ops.AngleMode{ops.Accurate, ops.Compat} {
				for _, shape := range [][4]int{{1, 32, 8, 128}, {2, 64, 0, 64}, {3, 5, 5, 96}, {4, 3, 1, 88}, {200, 8, 2, 128}} {
					T, hq, hk, D := shape[0], shape[1], shape[2], shape[3]
					rot, err := ops.YaRN(ops.YaRNParams{RoPEParams: ops.RoPEParams{HeadDim: D, RotaryDim: D - 32, Base: 1e6, Layout: l},
						Factor: 8, OriginalMaxPositionEmbeddings: 4096})
					if err != nil {
						t.Fatal(err)
					}
					pos := make([]int32, T)
					for i := range pos {
						pos[i] = r.Int32N(1 << 30)
					}
					qv, kv := randBits(r, dt, T*hq*D), randBits(r, dt, T*hk*D)
					q, k := ropeTensor(dt, qv, T, hq, D), ropeTensor(dt, kv, T, hk, D)
					if hk == 0 {
						k = nil
					}
					if err := b.RoPE(&ops.RoPEArgs{Q: q, K: k, Positions: WrapI32(pos, T), Rotary: rot, Angles: mode}); err != nil {
						t.Fatal(err)
					}
					scalarRoPE(dt, rot, mode, pos, qv, hq)
					scalarRoPE(dt, rot, mode, pos, kv, hk)
					same(t, qv, tensorBits(q), "%v/%v/%v %v q", dt, l, mode, shape)
					if k != nil {
						same(t, kv, tensorBits(k), "%v/%v/%v %v k", dt, l, mode, shape)
					}
				}
			}
		}
	}
}

// same fails t at the first element where got differs from want.
func same(t *testing.T, want, got []uint32, format string, args ...any) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf(format+": element %d = %#x, definition gives %#x", append(args, i, got[i], want[i])...)
		}
	}
}

// TestRoPEConcurrentCalls runs RoPE from several goroutines at once on
// one backend and checks each result against a sequential run.
func TestRoPEConcurrentCalls(t *testing.T) {
	b := New()
	rot, _ := ops.DefaultRoPE(128, 5e5)
	r := rand.New(rand.NewPCG(3, 4))
	const calls, T = 8, 40
	inputs := make([][]uint32, calls)
	want := make([][]uint32, calls)
	pos := make([][]int32, calls)
	for c := range inputs {
		inputs[c] = randBits(r, ops.BF16, T*4*128)
		pos[c] = make([]int32, T)
		for i := range pos[c] {
			pos[c][i] = r.Int32N(1 << 24)
		}
		want[c] = append([]uint32(nil), inputs[c]...)
		scalarRoPE(ops.BF16, rot, ops.Accurate, pos[c], want[c], 4)
	}
	var wg sync.WaitGroup
	for c := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 5; rep++ {
				q := ropeTensor(ops.BF16, inputs[c], T, 4, 128)
				if err := b.RoPE(&ops.RoPEArgs{Q: q, Positions: WrapI32(pos[c], T), Rotary: rot}); err != nil {
					t.Error(err)
					return
				}
				got := tensorBits(q)
				for i := range got {
					if got[i] != want[c][i] {
						t.Errorf("call %d: element %d = %#x, want %#x", c, i, got[i], want[c][i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestRoPENoAllocs checks the steady state allocates nothing: job,
// scratch and pool batch are all recycled.
func TestRoPENoAllocs(t *testing.T) {
	b := New()
	rot, _ := ops.DefaultRoPE(128, 5e5)
	for _, T := range []int{1, 64, 300} {
		q := WrapU16(ops.BF16, make([]uint16, T*32*128), T, 32, 128)
		k := WrapU16(ops.BF16, make([]uint16, T*8*128), T, 8, 128)
		pos := make([]int32, T)
		a := &ops.RoPEArgs{Q: q, K: k, Positions: WrapI32(pos, T), Rotary: rot}
		if err := b.RoPE(a); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(10, func() { b.RoPE(a) }); n > 0 {
			t.Errorf("T=%d: RoPE allocates %v times per call, want 0", T, n)
		}
	}
}

// TestRoPEWrapsOfOneBuffer checks that q and k wrapped separately over one
// Go buffer are seen as one memory: overlapping views fail with ErrBuffer
// naming k, while views of disjoint heads of a fused QKV row (the same
// stride) rotate.
func TestRoPEWrapsOfOneBuffer(t *testing.T) {
	const T, Hq, Hk, D = 3, 4, 2, 8
	w := (Hq + 2*Hk) * D
	buf := make([]float32, T*w)
	for i := range buf {
		buf[i] = float32(i%13) - 6
	}
	rot, err := ops.DefaultRoPE(D, 10000)
	if err != nil {
		t.Fatal(err)
	}
	pos := WrapI32([]int32{0, 1, 2}, T)
	b := New()
	q := Wrap(ops.F32, ops.Bytes(buf), w, T, Hq, D)
	k := Wrap(ops.F32, ops.Bytes(buf), w, T, Hk, D)
	k.Offset = Hq*D - 1 // one element into q's last head
	if err := b.RoPE(&ops.RoPEArgs{Q: q, K: k, Positions: pos, Rotary: rot}); !errors.Is(err, ops.ErrBuffer) {
		t.Fatalf("RoPE with k overlapping q through a second wrap = %v, want ErrBuffer", err)
	}
	k.Offset = Hq * D
	if err := b.RoPE(&ops.RoPEArgs{Q: q, K: k, Positions: pos, Rotary: rot}); err != nil {
		t.Fatalf("RoPE of the q and k heads of fused rows: %v", err)
	}
}
