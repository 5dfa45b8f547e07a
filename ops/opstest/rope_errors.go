package opstest

import (
	"math"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// ropeFixture is a valid small RoPE call whose parts the error cases
// replace one at a time.
type ropeFixture struct {
	q, k, pos *ops.Tensor
	rot       *ops.Rotary
}

func newRoPEFixture(t *testing.T, b ops.Backend) *ropeFixture {
	rot := defaultRotary(64, 64, 1e4, ops.NeoX)
	pos := []int32{0, 5, 9, 1 << 20}
	in := newRoPEInput(rot, ops.BF16, pos, 4, 2, 700)
	f := &ropeFixture{rot: rot}
	f.q, f.k, f.pos = in.tensors(t, b)
	return f
}

func (f *ropeFixture) args() *ops.RoPEArgs {
	return &ops.RoPEArgs{Q: f.q, K: f.k, Positions: f.pos, Rotary: f.rot}
}

// rotaryWith returns a copy of r changed by edit.
func rotaryWith(r *ops.Rotary, edit func(*ops.Rotary)) *ops.Rotary {
	c := *r
	c.InvFreq = append([]float64(nil), r.InvFreq...)
	c.InvFreqF32 = append([]float32(nil), r.InvFreqF32...)
	edit(&c)
	return &c
}

// ropeErrorCase is one bad RoPE call: the sentinel it must return and
// the argument the error must name (exactly, or as a prefix when the
// name ends in "*").
type ropeErrorCase struct {
	name     string
	sentinel error
	arg      string
	edit     func(a *ops.RoPEArgs)
}

// checkArg checks an error's argument name against want ("x*" = prefix).
func checkArg(t *testing.T, err, sentinel error, want string) {
	t.Helper()
	ae := wantErr(t, err, sentinel)
	if ae == nil {
		return
	}
	if p, ok := strings.CutSuffix(want, "*"); ok {
		if !strings.HasPrefix(ae.Arg, p) {
			t.Errorf("error %q names %q, want a name starting with %q", err, ae.Arg, p)
		}
	} else if ae.Arg != want {
		t.Errorf("error %q names %q, want %q", err, ae.Arg, want)
	}
}

// testRoPEErrors checks that every bad RoPE call returns its typed error
// naming the argument, and that no tensor was modified.
func testRoPEErrors(t *testing.T, b ops.Backend) {
	f := newRoPEFixture(t, b)
	T, D := f.q.Shape[0], f.q.Shape[2]
	negPos := uploadI32(t, b, []int32{0, 3, -7, 2}, T)
	f32Pos := alloc(t, b, ops.F32, T)
	shortPos := uploadI32(t, b, []int32{1, 2, 3}, 3)
	k16 := alloc(t, b, ops.F16, T, 2, D)
	qI32 := alloc(t, b, ops.I32, T, 4, D)
	kShortT := alloc(t, b, ops.BF16, T-1, 2, D)
	kWrongD := alloc(t, b, ops.BF16, T, 2, D/2)
	small := alloc(t, b, ops.BF16, T*4*D-1)
	defer free(b, f.q, f.k, f.pos, negPos, f32Pos, shortPos, k16, qI32, kShortT, kWrongD, small)

	cases := []ropeErrorCase{
		{"nil q", ops.ErrShape, "q", func(a *ops.RoPEArgs) { a.Q = nil }},
		{"q rank 2", ops.ErrShape, "q*", func(a *ops.RoPEArgs) { a.Q = a.Q.Sub(0, []int{T, 4 * D}, 0) }},
		{"q head_dim ≠ rotary", ops.ErrShape, "q*", func(a *ops.RoPEArgs) { a.Q = a.Q.Sub(0, []int{T, 8, D / 2}, 0) }},
		{"q dtype i32", ops.ErrDType, "q*", func(a *ops.RoPEArgs) { a.Q = qI32 }},
		{"k dtype ≠ q", ops.ErrDType, "k*", func(a *ops.RoPEArgs) { a.K = k16 }},
		{"k tokens ≠ q", ops.ErrShape, "k*", func(a *ops.RoPEArgs) { a.K = kShortT }},
		{"k head_dim ≠ q", ops.ErrShape, "k*", func(a *ops.RoPEArgs) { a.K = kWrongD }},
		{"q buffer short", ops.ErrBuffer, "q*", func(a *ops.RoPEArgs) {
			a.Q = &ops.Tensor{DType: ops.BF16, Shape: []int{T, 4, D}, Mem: small.Mem}
		}},
		{"q view past the end", ops.ErrBuffer, "q*", func(a *ops.RoPEArgs) { a.Q = a.Q.Sub(1, []int{T, 4, D}, 0) }},
		{"q stride < row", ops.ErrStride, "q*", func(a *ops.RoPEArgs) { a.Q = a.Q.Sub(0, []int{T - 1, 4, D}, 4*D-2) }},
		{"q negative offset", ops.ErrStride, "q*", func(a *ops.RoPEArgs) { a.Q = a.Q.Sub(-1, []int{T, 4, D}, 0) }},
		{"q foreign memory", ops.ErrBuffer, "q*", func(a *ops.RoPEArgs) { a.Q = foreign(ops.BF16, T, 4, D) }},
		{"k foreign memory", ops.ErrBuffer, "k*", func(a *ops.RoPEArgs) { a.K = foreign(ops.BF16, T, 2, D) }},
		{"k aliases q", ops.ErrBuffer, "k", func(a *ops.RoPEArgs) { a.K = a.Q }},
		{"k overlaps q", ops.ErrBuffer, "k", func(a *ops.RoPEArgs) { a.K = a.Q.Sub(2*D, []int{T, 2, D}, 4*D) }},
		{"k a view of q's memory", ops.ErrBuffer, "k", func(a *ops.RoPEArgs) {
			a.K = &ops.Tensor{DType: a.Q.DType, Shape: []int{T, 2, D}, Mem: a.Q.Mem}
		}},
		{"nil positions", ops.ErrShape, "positions", func(a *ops.RoPEArgs) { a.Positions = nil }},
		{"positions f32", ops.ErrDType, "positions*", func(a *ops.RoPEArgs) { a.Positions = f32Pos }},
		{"positions length", ops.ErrShape, "positions*", func(a *ops.RoPEArgs) { a.Positions = shortPos }},
		{"negative position", ops.ErrRange, "positions[2]", func(a *ops.RoPEArgs) { a.Positions = negPos }},
		{"nil rotary", ops.ErrConfig, "rotary", func(a *ops.RoPEArgs) { a.Rotary = nil }},
		{"odd head_dim", ops.ErrShape, "rotary.head_dim", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.HeadDim = 63 })
		}},
		{"rotary dim > head_dim", ops.ErrShape, "rotary.dim", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) {
				r.Dim = 66
				r.InvFreq = exactInvFreq(1e4, 66)
				r.InvFreqF32 = nil
			})
		}},
		{"odd rotary dim", ops.ErrShape, "rotary.dim", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.Dim = 31 })
		}},
		{"inv_freq length", ops.ErrShape, "rotary.inv_freq", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.InvFreq = r.InvFreq[:5] })
		}},
		{"NaN inv_freq (NaN base)", ops.ErrRange, "rotary.inv_freq[3]", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.InvFreq[3] = math.NaN() })
		}},
		{"Inf inv_freq", ops.ErrRange, "rotary.inv_freq[0]", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.InvFreq[0] = math.Inf(1) })
		}},
		{"NaN inv_freq_f32", ops.ErrRange, "rotary.inv_freq_f32[1]", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.InvFreqF32[1] = float32(math.NaN()) })
		}},
		{"NaN attention factor", ops.ErrRange, "rotary.attention_factor", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.AttentionFactor = math.NaN() })
		}},
		{"zero attention factor", ops.ErrRange, "rotary.attention_factor", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.AttentionFactor = 0 })
		}},
		{"unknown layout", ops.ErrConfig, "rotary.layout", func(a *ops.RoPEArgs) {
			a.Rotary = rotaryWith(a.Rotary, func(r *ops.Rotary) { r.Layout = 9 })
		}},
		{"unknown angle mode", ops.ErrConfig, "angles", func(a *ops.RoPEArgs) { a.Angles = 9 }},
	}
	snap := takeSnapshot(t, b, f.q, f.k, f.pos)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := f.args()
			c.edit(a)
			checkArg(t, b.RoPE(a), c.sentinel, c.arg)
			snap.unchanged(t, b, c.name)
		})
	}
	wantErr(t, b.RoPE(nil), ops.ErrShape)

	// The fixture itself is valid.
	if err := b.RoPE(f.args()); err != nil {
		t.Fatalf("valid fixture: %v", err)
	}
}
