package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// attnErrorCase is one bad Attention call: the sentinel it must return,
// the argument the error must name (exactly, or as a prefix when it ends
// in "*"), and optionally the offending value.
type attnErrorCase struct {
	name     string
	sentinel error
	arg      string
	value    any
	edit     func(a *ops.AttentionArgs)
}

// testAttnErrors checks that every bad Attention call returns its typed
// error naming the argument (and value), and leaves O and LSE untouched.
func testAttnErrors(t *testing.T, b ops.Backend) {
	c := &attnCase{dt: ops.BF16, Tq: 2, Hq: 4, Hk: 2, S: 10, D: 16, Dv: 8, gran: ops.PerKVHead, W: 3,
		rows: []int32{0, 9, -1, 4, 4, 2}, causal: true, seed: 7400}
	f := newAttnFixture(t, b, c)
	// Fill O and LSE with a marker so "untouched" is visible.
	writeRaw(t, b, f.O, encode(c.dt, randNormal(7401, f.O.Len())))
	writeRaw(t, b, f.LSE, encode(ops.F32, randNormal(7402, f.LSE.Len())))
	snap := takeSnapshot(t, b, f.O, f.LSE, f.Q, f.K, f.V)

	tooBig := uploadI32(t, b, []int32{0, 9, -1, 4, 10, 2}, 2, 3)
	tooSmall := uploadI32(t, b, []int32{0, -2, -1, 4, 4, 2}, 2, 3)
	idxF32 := alloc(t, b, ops.F32, 2, 3)
	idxRank1 := uploadI32(t, b, []int32{1, 2, 3}, 3)
	idxWrongHk := uploadI32(t, b, []int32{1, 2, 3}, 1, 3)
	k16 := alloc(t, b, ops.F16, c.S, c.Hk, c.D)
	kHk3 := alloc(t, b, ops.BF16, c.S, 3, c.D)
	kD := alloc(t, b, ops.BF16, c.S, c.Hk, c.D+2)
	vS := alloc(t, b, ops.BF16, c.S-1, c.Hk, c.Dv)
	oBad := alloc(t, b, ops.BF16, c.Tq, c.Hq, c.Dv+1)
	oF32 := alloc(t, b, ops.F32, c.Tq, c.Hq, c.Dv)
	lseBF := alloc(t, b, ops.BF16, c.Tq, c.Hq)
	lseBad := alloc(t, b, ops.F32, c.Tq, c.Hq+1)
	qI32 := alloc(t, b, ops.I32, c.Tq, c.Hq, c.D)
	qpos3 := uploadI32(t, b, []int32{1, 2, 3}, 3)
	kposNeg := uploadI32(t, b, []int32{0, 1, 2, -3, 4, 5, 6, 7, 8, 9}, c.S)
	sinks3 := alloc(t, b, ops.F32, 3)
	sinksNaN := upload(t, b, ops.F32, []float64{0, math.NaN(), 1, 2}, c.Hq)
	sinksInf := upload(t, b, ops.F32, []float64{0, 1, 2, math.Inf(1)}, c.Hq)
	qdoc := uploadI32(t, b, []int32{0, 1}, c.Tq)
	kdoc := uploadI32(t, b, []int32{0, 0, -1, 1, 1, 1, 0, 1, -1, 0}, c.S)
	docF32 := alloc(t, b, ops.F32, c.Tq)
	v0 := alloc(t, b, ops.BF16, c.S, c.Hk, 0)
	o0 := alloc(t, b, ops.BF16, c.Tq, c.Hq, 0)
	defer free(b, tooBig, tooSmall, idxF32, idxRank1, idxWrongHk, k16, kHk3, kD, vS, oBad, oF32, lseBF, lseBad,
		qI32, qpos3, kposNeg, sinks3, sinksNaN, sinksInf, qdoc, kdoc, docF32, v0, o0)
	defer f.free(b)

	rot := attnRotary(c.D, c.D, 1, ops.NeoX)
	cases := []attnErrorCase{
		{"index ≥ S", ops.ErrRange, "sel.indices[4]", int32(10), func(a *ops.AttentionArgs) { a.Sel.Indices = tooBig }},
		{"index < -1", ops.ErrRange, "sel.indices[1]", int32(-2), func(a *ops.AttentionArgs) { a.Sel.Indices = tooSmall }},
		{"index dtype", ops.ErrDType, "sel.indices.dtype", nil, func(a *ops.AttentionArgs) { a.Sel.Indices = idxF32 }},
		{"index rank", ops.ErrShape, "sel.indices.shape", nil, func(a *ops.AttentionArgs) { a.Sel.Indices = idxRank1 }},
		{"index rows ≠ Hk", ops.ErrShape, "sel.indices.shape[0]", nil, func(a *ops.AttentionArgs) { a.Sel.Indices = idxWrongHk }},
		{"query rows need Tq", ops.ErrShape, "sel.indices.shape", nil, func(a *ops.AttentionArgs) { a.Sel.Granularity = ops.PerQuery }},
		{"granularity", ops.ErrConfig, "sel.granularity", nil, func(a *ops.AttentionArgs) { a.Sel.Granularity = 9 }},
		{"dense end > S", ops.ErrRange, "sel.end", 11, func(a *ops.AttentionArgs) { a.Sel = ops.Selection{End: 11} }},
		{"dense start > end", ops.ErrRange, "sel.start", 6, func(a *ops.AttentionArgs) { a.Sel = ops.Selection{Start: 6, End: 5} }},
		{"dense negative start", ops.ErrRange, "sel.start", -1, func(a *ops.AttentionArgs) { a.Sel = ops.Selection{Start: -1} }},
		{"nil q", ops.ErrShape, "q", nil, func(a *ops.AttentionArgs) { a.Q = nil }},
		{"q dtype", ops.ErrDType, "q.dtype", nil, func(a *ops.AttentionArgs) { a.Q = qI32 }},
		{"k dtype", ops.ErrDType, "k.dtype", nil, func(a *ops.AttentionArgs) { a.K = k16 }},
		{"Hk ∤ Hq", ops.ErrShape, "k.shape[1]", 3, func(a *ops.AttentionArgs) { a.K = kHk3 }},
		{"k head dim", ops.ErrShape, "k.shape[2]", c.D + 2, func(a *ops.AttentionArgs) { a.K = kD }},
		{"v slots", ops.ErrShape, "v.shape[0]", c.S - 1, func(a *ops.AttentionArgs) { a.V = vS }},
		{"o shape", ops.ErrShape, "o.shape[2]", c.Dv + 1, func(a *ops.AttentionArgs) { a.O = oBad }},
		{"o dtype", ops.ErrDType, "o.dtype", nil, func(a *ops.AttentionArgs) { a.O = oF32 }},
		{"v head dim 0", ops.ErrShape, "v.shape[2]", 0, func(a *ops.AttentionArgs) { a.V, a.O = v0, o0 }},
		{"o overlaps v", ops.ErrBuffer, "o", nil, func(a *ops.AttentionArgs) {
			a.O = a.V.Sub(0, []int{c.Tq, c.Hq, c.Dv}, 0)
		}},
		{"o a second wrap of q", ops.ErrBuffer, "o", nil, func(a *ops.AttentionArgs) {
			a.O = &ops.Tensor{DType: ops.BF16, Shape: []int{c.Tq, c.Hq, c.Dv}, Offset: 3, Mem: a.Q.Mem}
		}},
		{"lse overlaps o", ops.ErrBuffer, "lse", nil, func(a *ops.AttentionArgs) {
			a.LSE = &ops.Tensor{DType: ops.F32, Shape: []int{c.Tq, c.Hq}, Mem: a.O.Mem}
		}},
		{"lse dtype", ops.ErrDType, "lse.dtype", nil, func(a *ops.AttentionArgs) { a.LSE = lseBF }},
		{"lse shape", ops.ErrShape, "lse.shape[1]", c.Hq + 1, func(a *ops.AttentionArgs) { a.LSE = lseBad }},
		{"q_pos only", ops.ErrShape, "q_pos/k_pos", nil, func(a *ops.AttentionArgs) { a.KPos = nil }},
		{"k_pos only", ops.ErrShape, "q_pos/k_pos", nil, func(a *ops.AttentionArgs) { a.QPos = nil }},
		{"q_pos length", ops.ErrShape, "q_pos.shape[0]", 3, func(a *ops.AttentionArgs) { a.QPos = qpos3 }},
		{"k_pos length", ops.ErrShape, "k_pos.shape[0]", 3, func(a *ops.AttentionArgs) { a.KPos = qpos3 }},
		{"scale NaN", ops.ErrRange, "scale", nil, func(a *ops.AttentionArgs) { a.Scale = float32(math.NaN()) }},
		{"scale Inf", ops.ErrRange, "scale", nil, func(a *ops.AttentionArgs) { a.Scale = float32(math.Inf(1)) }},
		{"softcap < 0", ops.ErrRange, "softcap", float32(-1), func(a *ops.AttentionArgs) { a.SoftCap = -1 }},
		{"sinks length", ops.ErrShape, "sinks.shape[0]", 3, func(a *ops.AttentionArgs) { a.Sinks = sinks3 }},
		{"sink NaN", ops.ErrRange, "sinks[1]", nil, func(a *ops.AttentionArgs) { a.Sinks = sinksNaN }},
		{"sink +Inf", ops.ErrRange, "sinks[3]", nil, func(a *ops.AttentionArgs) { a.Sinks = sinksInf }},
		{"foreign memory", ops.ErrBuffer, "k.mem", nil, func(a *ops.AttentionArgs) { a.K = foreign(ops.BF16, c.S, c.Hk, c.D) }},
		{"short buffer", ops.ErrBuffer, "v.mem", nil, func(a *ops.AttentionArgs) { a.V = a.V.Sub(1, a.V.Shape, 0) }},
		{"bad stride", ops.ErrStride, "q.stride", nil, func(a *ops.AttentionArgs) { a.Q = a.Q.Sub(0, a.Q.Shape, 5) }},
		{"rope head dim", ops.ErrShape, "rope.rotary.head_dim", 32, func(a *ops.AttentionArgs) {
			a.RoPE = &ops.KeyRoPE{Rotary: attnRotary(32, 32, 1, ops.NeoX)}
		}},
		{"rope bad schedule", ops.ErrShape, "rotary.dim", nil, func(a *ops.AttentionArgs) {
			r := attnRotary(c.D, c.D, 1, ops.NeoX)
			r.Dim = 3
			a.RoPE = &ops.KeyRoPE{Rotary: r}
		}},
		{"rope angles", ops.ErrConfig, "angles", nil, func(a *ops.AttentionArgs) { a.RoPE = &ops.KeyRoPE{Rotary: rot, Angles: 7} }},
		{"rope key mode", ops.ErrConfig, "rope.key_pos", nil, func(a *ops.AttentionArgs) { a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: 9} }},
		{"rope original needs positions", ops.ErrConfig, "rope.key_pos", nil, func(a *ops.AttentionArgs) {
			a.QPos, a.KPos = nil, nil
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosOriginal}
		}},
		{"rope cap", ops.ErrRange, "rope.cap", int32(0), func(a *ops.AttentionArgs) {
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosCapped}
		}},
		{"rope negative k_pos", ops.ErrRange, "k_pos[3]", int32(-3), func(a *ops.AttentionArgs) {
			a.KPos = kposNeg
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosOriginal}
		}},
		{"dual chunk needs positions", ops.ErrConfig, "rope.key_pos", nil, func(a *ops.AttentionArgs) {
			a.QPos, a.KPos = nil, nil
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 8, LocalSize: 2}}
		}},
		{"dual chunk size", ops.ErrRange, "rope.chunk.chunk_size", int32(1), func(a *ops.AttentionArgs) {
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 1}}
		}},
		{"dual chunk local size", ops.ErrRange, "rope.chunk.local_size", int32(8), func(a *ops.AttentionArgs) {
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 8, LocalSize: 8}}
		}},
		{"dual chunk negative local size", ops.ErrRange, "rope.chunk.local_size", int32(-1), func(a *ops.AttentionArgs) {
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 8, LocalSize: -1}}
		}},
		{"dual chunk negative k_pos", ops.ErrRange, "k_pos[3]", int32(-3), func(a *ops.AttentionArgs) {
			a.KPos = kposNeg
			a.RoPE = &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ops.DualChunk{ChunkSize: 8, LocalSize: 2}}
		}},
		{"q_doc only", ops.ErrShape, "q_doc/k_doc", nil, func(a *ops.AttentionArgs) { a.QDoc = qdoc }},
		{"k_doc only", ops.ErrShape, "q_doc/k_doc", nil, func(a *ops.AttentionArgs) { a.KDoc = kdoc }},
		{"q_doc length", ops.ErrShape, "q_doc.shape[0]", c.S, func(a *ops.AttentionArgs) { a.QDoc, a.KDoc = kdoc, kdoc }},
		{"k_doc length", ops.ErrShape, "k_doc.shape[0]", c.Tq, func(a *ops.AttentionArgs) { a.QDoc, a.KDoc = qdoc, qdoc }},
		{"q_doc dtype", ops.ErrDType, "q_doc.dtype", nil, func(a *ops.AttentionArgs) { a.QDoc, a.KDoc = docF32, kdoc }},
		{"logn < 2", ops.ErrRange, "logn", int32(1), func(a *ops.AttentionArgs) { a.LogN = 1 }},
		{"logn negative", ops.ErrRange, "logn", int32(-5), func(a *ops.AttentionArgs) { a.LogN = -5 }},
		{"logn needs positions", ops.ErrConfig, "logn", int32(16), func(a *ops.AttentionArgs) {
			a.QPos, a.KPos, a.LogN = nil, nil, 16
		}},
	}
	for _, ec := range cases {
		a := f.args()
		ec.edit(a)
		err := b.Attention(a)
		checkArg(t, err, ec.sentinel, ec.arg)
		if ae := wantErr(t, err, ec.sentinel); ae != nil && ec.value != nil && ae.Value != ec.value {
			t.Errorf("%s: error %q has value %#v, want %#v", ec.name, err, ae.Value, ec.value)
		}
		snap.unchanged(t, b, ec.name)
	}
	if err := b.Attention(nil); !isErr(err, ops.ErrShape) {
		t.Errorf("Attention(nil) = %v, want ErrShape", err)
	}
	// The unmodified fixture is valid.
	if err := b.Attention(f.args()); err != nil {
		t.Errorf("valid call: %v", err)
	}
}

// isErr reports whether err wraps sentinel and is an *ops.ArgError.
func isErr(err, sentinel error) bool {
	ae, ok := err.(*ops.ArgError)
	return ok && ae.Kind == sentinel
}
