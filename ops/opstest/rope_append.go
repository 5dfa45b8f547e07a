package opstest

import (
	"bytes"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// appendFixture is a RoPEAppend call: q [T,hq,D], k [T,hk,D], v
// [T,hk,dv] and a KV cache of S slots held as k and v views into one
// fused buffer [S, hk·(D+dv) + pad], so rows are strided.
type appendFixture struct {
	in         *ropeInput
	v          []float64
	slots      []int32
	S, dv, pad int
	cacheInit  []float64

	q, k, vt, pos, slotT *ops.Tensor
	cache, kc, vc        *ops.Tensor
}

func newAppendFixture(t *testing.T, b ops.Backend, rot *ops.Rotary, dt ops.DType, seed uint64) *appendFixture {
	pos := []int32{3, 1 << 20, 0, 77, 1<<24 + 1}
	f := &appendFixture{S: 16, dv: 48, pad: 3, slots: []int32{7, 0, 15, 3, 9}}
	f.in = newRoPEInput(rot, dt, pos, 8, 2, seed)
	T, hk, D := len(pos), f.in.hk, rot.HeadDim
	f.v = roundAll(dt, randNormal(seed+7, T*hk*f.dv))
	f.q, f.k, f.pos = f.in.tensors(t, b)
	f.vt = upload(t, b, dt, f.v, T, hk, f.dv)
	f.slotT = uploadI32(t, b, f.slots, T)
	W := hk*(D+f.dv) + f.pad
	f.cacheInit = roundAll(dt, randUniform(seed+9, f.S*W, -5, 5))
	f.cache = upload(t, b, dt, f.cacheInit, f.S*W)
	f.kc = f.cache.Sub(0, []int{f.S, hk, D}, W)
	f.vc = f.cache.Sub(hk*D, []int{f.S, hk, f.dv}, W)
	return f
}

func (f *appendFixture) args(mode ops.AngleMode) *ops.RoPEAppendArgs {
	return &ops.RoPEAppendArgs{Q: f.q, K: f.k, V: f.vt, KCache: f.kc, VCache: f.vc,
		Positions: f.pos, Slots: f.slotT, Rotary: f.in.rot, Angles: mode}
}

func (f *appendFixture) free(b ops.Backend) {
	free(b, f.q, f.k, f.vt, f.pos, f.slotT, f.cache)
}

// testRoPEAppend checks that RoPEAppend rotates q exactly as RoPE does,
// writes RoPE(k) and v into the named cache slots, leaves k, v and every
// other cache element untouched, for every dtype, layout and angle mode.
func testRoPEAppend(t *testing.T, b ops.Backend) {
	for _, dt := range floatDTypes {
		for _, l := range layouts {
			for _, m := range []ops.AngleMode{ops.Accurate, ops.Compat} {
				rot := ropeSchedules(l)[5].rot // partial rotary: the k tail is copied too
				name := caseName(dt, l, m)
				f := newAppendFixture(t, b, rot, dt, 800)
				wantQ, wantK := f.in.run(t, b, m)
				kBefore, vBefore := readRaw(t, b, f.k), readRaw(t, b, f.vt)
				if err := b.RoPEAppend(f.args(m)); err != nil {
					t.Fatalf("%s: RoPEAppend: %v", name, err)
				}
				if got := download(t, b, f.q); !equalBits(got, wantQ) {
					t.Errorf("%s: q differs from RoPE(q)", name)
				}
				if !bytes.Equal(readRaw(t, b, f.k), kBefore) || !bytes.Equal(readRaw(t, b, f.vt), vBefore) {
					t.Errorf("%s: k or v was modified", name)
				}
				hk, D := f.in.hk, rot.HeadDim
				W := hk*(D+f.dv) + f.pad
				cache := download(t, b, f.cache)
				want := append([]float64(nil), f.cacheInit...)
				for ti, s := range f.slots {
					copy(want[int(s)*W:], wantK[ti*hk*D:(ti+1)*hk*D])
					copy(want[int(s)*W+hk*D:], f.v[ti*hk*f.dv:(ti+1)*hk*f.dv])
				}
				for i := range want {
					if !equalBits(want[i:i+1], cache[i:i+1]) {
						t.Errorf("%s: cache element %d (slot %d, column %d) = %v, want %v",
							name, i, i/W, i%W, cache[i], want[i])
						break
					}
				}
				f.free(b)
			}
		}
	}
}

// testRoPEAppendErrors checks RoPEAppend's typed errors and that nothing
// is written when one is returned.
func testRoPEAppendErrors(t *testing.T, b ops.Backend) {
	rot := defaultRotary(64, 64, 1e4, ops.NeoX)
	f := newAppendFixture(t, b, rot, ops.BF16, 900)
	defer f.free(b)
	T, hk, D := len(f.slots), f.in.hk, rot.HeadDim
	slotsOut := uploadI32(t, b, []int32{1, 2, 16, 4, 5}, T)
	slotsNeg := uploadI32(t, b, []int32{1, -1, 3, 4, 5}, T)
	slotsDup := uploadI32(t, b, []int32{1, 2, 3, 2, 5}, T)
	slotsF32 := alloc(t, b, ops.F32, T)
	slotsLen := uploadI32(t, b, []int32{1, 2}, 2)
	negPos := uploadI32(t, b, []int32{0, 1, 2, 3, -4}, T)
	vShort := alloc(t, b, ops.BF16, T-1, hk, f.dv)
	vHeads := alloc(t, b, ops.BF16, T, hk+1, f.dv)
	kc16 := alloc(t, b, ops.F16, f.S, hk, D)
	kcHeads := alloc(t, b, ops.BF16, f.S, hk+1, D)
	vcSlots := alloc(t, b, ops.BF16, f.S-1, hk, f.dv)
	vcDv := alloc(t, b, ops.BF16, f.S, hk, f.dv+2)
	defer free(b, slotsOut, slotsNeg, slotsDup, slotsF32, slotsLen, negPos, vShort, vHeads, kc16, kcHeads, vcSlots, vcDv)

	cases := []struct {
		name     string
		sentinel error
		arg      string
		edit     func(a *ops.RoPEAppendArgs)
	}{
		{"slot out of range", ops.ErrRange, "slots[2]", func(a *ops.RoPEAppendArgs) { a.Slots = slotsOut }},
		{"negative slot", ops.ErrRange, "slots[1]", func(a *ops.RoPEAppendArgs) { a.Slots = slotsNeg }},
		{"duplicate slot", ops.ErrRange, "slots[3]", func(a *ops.RoPEAppendArgs) { a.Slots = slotsDup }},
		{"slots f32", ops.ErrDType, "slots*", func(a *ops.RoPEAppendArgs) { a.Slots = slotsF32 }},
		{"slots length", ops.ErrShape, "slots*", func(a *ops.RoPEAppendArgs) { a.Slots = slotsLen }},
		{"nil slots", ops.ErrShape, "slots", func(a *ops.RoPEAppendArgs) { a.Slots = nil }},
		{"negative position", ops.ErrRange, "positions[4]", func(a *ops.RoPEAppendArgs) { a.Positions = negPos }},
		{"nil k", ops.ErrShape, "k", func(a *ops.RoPEAppendArgs) { a.K = nil }},
		{"nil v", ops.ErrShape, "v", func(a *ops.RoPEAppendArgs) { a.V = nil }},
		{"v tokens", ops.ErrShape, "v*", func(a *ops.RoPEAppendArgs) { a.V = vShort }},
		{"v heads", ops.ErrShape, "v*", func(a *ops.RoPEAppendArgs) { a.V = vHeads }},
		{"k_cache dtype", ops.ErrDType, "k_cache*", func(a *ops.RoPEAppendArgs) { a.KCache = kc16 }},
		{"k_cache heads", ops.ErrShape, "k_cache*", func(a *ops.RoPEAppendArgs) { a.KCache = kcHeads }},
		{"v_cache slots", ops.ErrShape, "v_cache*", func(a *ops.RoPEAppendArgs) { a.VCache = vcSlots }},
		{"v_cache dv", ops.ErrShape, "v_cache*", func(a *ops.RoPEAppendArgs) { a.VCache = vcDv }},
		{"k_cache foreign", ops.ErrBuffer, "k_cache*", func(a *ops.RoPEAppendArgs) { a.KCache = foreign(ops.BF16, f.S, hk, D) }},
		{"nil q", ops.ErrShape, "q", func(a *ops.RoPEAppendArgs) { a.Q = nil }},
		{"k aliases q", ops.ErrBuffer, "k", func(a *ops.RoPEAppendArgs) { a.K = a.Q.Sub(0, []int{T, hk, D}, 8*D) }},
		{"v_cache overlaps k_cache", ops.ErrBuffer, "v_cache", func(a *ops.RoPEAppendArgs) {
			a.VCache = f.cache.Sub(D, []int{f.S, hk, f.dv}, hk*(D+f.dv)+f.pad)
		}},
		{"NaN attention factor", ops.ErrRange, "rotary.attention_factor", func(a *ops.RoPEAppendArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.AttentionFactor = math.NaN() })
		}},
	}
	snap := takeSnapshot(t, b, f.q, f.k, f.vt, f.cache)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := f.args(ops.Accurate)
			c.edit(a)
			checkArg(t, b.RoPEAppend(a), c.sentinel, c.arg)
			snap.unchanged(t, b, c.name)
		})
	}
	wantErr(t, b.RoPEAppend(nil), ops.ErrShape)
}

// equalBits reports whether a and b hold bit-identical values.
func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
