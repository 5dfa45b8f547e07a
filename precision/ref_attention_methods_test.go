package precision

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// refRand returns n float32-exact normal values.
func refRand(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(float32(r.NormFloat64()))
	}
	return x
}

// TestRefDualChunkThreeCalls checks the one-pass Dual Chunk Attention of
// RefAttention against its definition as vLLM computes it: three
// attention calls (intra, successive and inter keys, each with the query
// rotated at that class's position and the keys at their position modulo
// the chunk length) merged by their log-sum-exps. Chunk sizes 64/16 clamp
// the successive position for queries past the local size and the inter
// position always; 64/40 leaves the inter position unclamped.
func TestRefDualChunkThreeCalls(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, ch := range []ops.DualChunk{{ChunkSize: 64, LocalSize: 16}, {ChunkSize: 64, LocalSize: 40}} {
		for _, l := range []ops.Layout{ops.NeoX, ops.GPTJ} {
			const Tq, Hq, Hk, S, D, Dv = 9, 4, 2, 260, 32, 8
			rot, err := ops.Default(ops.RoPEParams{HeadDim: D, Base: 10000})
			if err != nil {
				t.Fatal(err)
			}
			rot.Layout = l
			cl := ch.ChunkLen()
			qpos := []int32{0, 5, cl - 1, cl, cl + ch.LocalSize + 1, 2*cl + 3, 3*cl - 1, 4*cl + 7, 259}
			kpos := make([]int32, S)
			for s := range kpos {
				kpos[s] = int32(s)
			}
			a := &RefAttentionArgs{Tq: Tq, Hq: Hq, Hk: Hk, S: S, D: D, Dv: Dv,
				Q: refRand(r, Tq*Hq*D), K: refRand(r, S*Hk*D), V: refRand(r, S*Hk*Dv),
				QPos: qpos, KPos: kpos,
				RoPE: &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosDualChunk, Chunk: ch}}
			one := RefAttention(a)

			var o, lse []float64
			seen := map[[2]int]bool{} // (class, clamped)
			for c := range 3 {
				rows := make([]int32, Tq*Hk*S)
				cq := make([]int32, Tq)
				for i := range rows {
					rows[i] = -1
				}
				for ti, i := range qpos {
					cq[ti] = ch.QueryPos(i, c)
					n := 0
					for s, j := range kpos {
						if j > i || ch.Class(i, j) != c {
							continue
						}
						for kv := range Hk {
							rows[(ti*Hk+kv)*S+n] = int32(s)
						}
						n++
						unclamped := [3]int64{int64(i % cl), int64(i%cl + cl), int64(2*cl - 1)}[c]
						seen[[2]int{c, b2i(unclamped > int64(ch.ChunkSize))}] = true
					}
				}
				ck := make([]int32, S)
				for s, j := range kpos {
					ck[s] = ch.KeyPos(j)
				}
				part := RefAttention(&RefAttentionArgs{Tq: Tq, Hq: Hq, Hk: Hk, S: S, D: D, Dv: Dv,
					Q: a.Q, K: a.K, V: a.V, Indices: rows, W: S, Granularity: ops.PerQuery,
					QPos: cq, KPos: ck, RoPE: &ops.KeyRoPE{Rotary: rot, KeyPos: ops.KeyPosOriginal}})
				if o == nil {
					o, lse = part.O, part.LSE
				} else {
					o, lse = RefMerge(o, lse, part.O, part.LSE, Dv)
				}
			}
			for _, want := range [][2]int{{0, 0}, {1, 0}, {1, b2i(cl-1 > ch.LocalSize)}, {2, b2i(2*cl-1 > ch.ChunkSize)}} {
				if !seen[want] {
					t.Errorf("%+v: no key of class %d with clamped=%d", ch, want[0], want[1])
				}
			}
			for i := range lse {
				if math.Abs(lse[i]-one.LSE[i]) > 1e-12*max(1, math.Abs(lse[i])) {
					t.Fatalf("%+v %v: lse[%d] one pass %.17g, three calls %.17g", ch, l, i, one.LSE[i], lse[i])
				}
			}
			for i := range o {
				if math.Abs(o[i]-one.O[i]) > 1e-12 {
					t.Fatalf("%+v %v: o[%d] one pass %.17g, three calls %.17g", ch, l, i, one.O[i], o[i])
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRefDocumentMask checks document masks against the same attention
// over per-query rows that list only the visible slots: packed documents
// with an anchor, causal positions restarting at every document, and a
// query whose document has no key.
func TestRefDocumentMask(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const Tq, Hq, Hk, S, D, Dv = 8, 4, 2, 12, 16, 8
	kdoc := []int32{-1, 0, 0, 0, 1, 1, -1, 2, 2, 2, 2, 0}
	kpos := []int32{0, 1, 2, 3, 1, 2, 0, 1, 2, 3, 4, 4}
	qdoc := []int32{0, 0, 1, 2, 2, 3, -1, 4}
	qpos := []int32{1, 4, 2, 0, 9, 5, 3, -1}
	a := &RefAttentionArgs{Tq: Tq, Hq: Hq, Hk: Hk, S: S, D: D, Dv: Dv,
		Q: refRand(r, Tq*Hq*D), K: refRand(r, S*Hk*D), V: refRand(r, S*Hk*Dv),
		QPos: qpos, KPos: kpos, QDoc: qdoc, KDoc: kdoc}
	got := RefAttention(a)
	rows := make([]int32, Tq*Hk*S)
	for i := range rows {
		rows[i] = -1
	}
	for ti := range Tq {
		n := 0
		for s := range S {
			if kpos[s] <= qpos[ti] && (kdoc[s] == qdoc[ti] || kdoc[s] == -1) {
				for kv := range Hk {
					rows[(ti*Hk+kv)*S+n] = int32(s)
				}
				n++
			}
		}
	}
	want := RefAttention(&RefAttentionArgs{Tq: Tq, Hq: Hq, Hk: Hk, S: S, D: D, Dv: Dv,
		Q: a.Q, K: a.K, V: a.V, Indices: rows, W: S, Granularity: ops.PerQuery})
	for i := range want.O {
		if got.O[i] != want.O[i] {
			t.Fatalf("o[%d] = %g, want %g", i, got.O[i], want.O[i])
		}
	}
	for i := range want.LSE {
		if got.LSE[i] != want.LSE[i] || got.Visible[i] != want.Visible[i] {
			t.Fatalf("row %d: lse %g (%d keys), want %g (%d keys)", i, got.LSE[i], got.Visible[i], want.LSE[i], want.Visible[i])
		}
	}
	// documents 2 at position 0 and 3 see only the two anchors at
	// position 0; a query of the anchor document sees the anchors; the
	// last query sees nothing
	for ti, n := range map[int]int{3: 2, 5: 2, 6: 2, 1: 6, 7: 0} {
		if got.Visible[ti*Hq] != n {
			t.Errorf("query %d sees %d keys, want %d", ti, got.Visible[ti*Hq], n)
		}
	}
	if !math.IsInf(got.LSE[7*Hq], -1) || got.O[7*Hq*Dv] != 0 {
		t.Errorf("empty row: lse %g, o[0] %g; want -Inf and 0", got.LSE[7*Hq], got.O[7*Hq*Dv])
	}
}

// TestRefLogN checks log-n scaling against LogNScale folded into Scale,
// one query token at a time, at positions below, at and above the
// training length.
func TestRefLogN(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const Hq, Hk, S, D, Dv, L = 2, 1, 40, 8, 4, 16
	qpos := []int32{3, 15, 16, 39}
	kpos := make([]int32, S)
	for s := range kpos {
		kpos[s] = int32(s)
	}
	Tq := len(qpos)
	q := refRand(r, Tq*Hq*D)
	k, v := refRand(r, S*Hk*D), refRand(r, S*Hk*Dv)
	got := RefAttention(&RefAttentionArgs{Tq: Tq, Hq: Hq, Hk: Hk, S: S, D: D, Dv: Dv, Q: q, K: k, V: v,
		QPos: qpos, KPos: kpos, Scale: 0.5, SoftCap: 3, LogN: L})
	for ti, p := range qpos {
		lambda := 1.0
		if p+1 > L {
			lambda = math.Log(float64(p)+1) / math.Log(L)
		}
		want := RefAttention(&RefAttentionArgs{Tq: 1, Hq: Hq, Hk: Hk, S: S, D: D, Dv: Dv,
			Q: q[ti*Hq*D : (ti+1)*Hq*D], K: k, V: v, QPos: qpos[ti : ti+1], KPos: kpos,
			Scale: 0.5 * lambda, SoftCap: 3})
		for i := range want.LSE {
			if math.Abs(got.LSE[ti*Hq+i]-want.LSE[i]) > 1e-14 {
				t.Errorf("query at %d: lse %.17g, want %.17g", p, got.LSE[ti*Hq+i], want.LSE[i])
			}
		}
	}
	if ops.LogNScale(15, L) != 1 || ops.LogNScale(16, L) <= 1 || math.Abs(ops.LogNScale(255, L)-2) > 1e-15 {
		t.Errorf("LogNScale(15, 16) = %g, (16, 16) = %g, (255, 16) = %g; want 1, > 1, 2",
			ops.LogNScale(15, L), ops.LogNScale(16, L), ops.LogNScale(255, L))
	}
}
