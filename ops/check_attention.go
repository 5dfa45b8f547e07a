package ops

import (
	"fmt"
	"math"
)

// CheckAttention validates an Attention call for backend: shapes, dtypes,
// strides and buffer lengths of every tensor, the selection's shape and
// range, and the options. Values that live in backend memory (slot
// indices, positions, sink logits) are checked by CheckIndices,
// CheckPositions and CheckSinks once the backend can read them, still
// before anything is written.
func CheckAttention(a *AttentionArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("q", a.Q, backend, 3, F32, BF16, F16); err != nil {
		return err
	}
	Tq, Hq, D := a.Q.Shape[0], a.Q.Shape[1], a.Q.Shape[2]
	dt := a.Q.DType
	if D < 1 {
		return Errorf(ErrShape, "q.shape[2]", D, "want a head dimension ≥ 1")
	}
	S, Hk, err := checkGroupedKV("k", a.K, backend, Hq, D, dt)
	if err != nil {
		return err
	}
	if err := CheckTensor("v", a.V, backend, 3, dt); err != nil {
		return err
	}
	if err := CheckDim("v", a.V, 0, S); err != nil {
		return err
	}
	if err := CheckDim("v", a.V, 1, Hk); err != nil {
		return err
	}
	Dv := a.V.Shape[2]
	if Dv < 1 {
		return Errorf(ErrShape, "v.shape[2]", Dv, "want a value head dimension ≥ 1")
	}
	if err := CheckTensor("o", a.O, backend, 3, dt); err != nil {
		return err
	}
	for i, want := range [3]int{Tq, Hq, Dv} {
		if err := CheckDim("o", a.O, i, want); err != nil {
			return err
		}
	}
	if a.LSE != nil {
		if err := checkLSE("lse", a.LSE, backend, Tq, Hq); err != nil {
			return err
		}
	}
	if err := checkSelection(attnSelNames, &a.Sel, backend, Tq, Hk, S); err != nil {
		return err
	}
	if err := checkQueryKeyI32("q_pos", "k_pos", a.QPos, a.KPos, backend, Tq, S); err != nil {
		return err
	}
	if err := checkQueryKeyI32("q_doc", "k_doc", a.QDoc, a.KDoc, backend, Tq, S); err != nil {
		return err
	}
	if a.LogN != 0 {
		if a.LogN < 2 {
			return Errorf(ErrRange, "logn", a.LogN, "want 0 (off) or a training length ≥ 2")
		}
		if a.QPos == nil {
			return Errorf(ErrConfig, "logn", a.LogN, "log-n scaling needs q_pos (and k_pos)")
		}
	}
	if err := CheckFinite("scale", float64(a.Scale)); err != nil {
		return err
	}
	if c := float64(a.SoftCap); math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
		return Errorf(ErrRange, "softcap", a.SoftCap, "want 0 (off) or a finite positive cap")
	}
	if a.Sinks != nil {
		if err := CheckTensor("sinks", a.Sinks, backend, 1, F32); err != nil {
			return err
		}
		if err := CheckDim("sinks", a.Sinks, 0, Hq); err != nil {
			return err
		}
	}
	if a.RoPE != nil {
		if err := checkKeyRoPE(a.RoPE, D, a.QPos != nil); err != nil {
			return err
		}
	}
	// O and LSE are written while everything else is read.
	for _, in := range [...]struct {
		arg string
		t   *Tensor
	}{{"q", a.Q}, {"k", a.K}, {"v", a.V}, {"sel.indices", a.Sel.Indices}, {"q_pos", a.QPos}, {"k_pos", a.KPos},
		{"sinks", a.Sinks}, {"q_doc", a.QDoc}, {"k_doc", a.KDoc}} {
		if err := CheckDisjoint(in.arg, in.t, "o", a.O); err != nil {
			return err
		}
		if err := CheckDisjoint(in.arg, in.t, "lse", a.LSE); err != nil {
			return err
		}
	}
	return CheckDisjoint("o", a.O, "lse", a.LSE)
}

// CheckSelection validates a selection over S slots for Tq query tokens
// and Hk kv heads: with Indices nil, 0 ≤ Start ≤ End ≤ S (End 0 means S);
// otherwise Indices is I32 shaped by Granularity ([W], [Hk, W] or
// [Tq, Hk, W]). arg prefixes the names in errors.
func CheckSelection(arg string, sel *Selection, backend string, Tq, Hk, S int) error {
	return checkSelection(selNames{arg + ".indices", arg + ".start", arg + ".end", arg + ".granularity"},
		sel, backend, Tq, Hk, S)
}

// selNames are the argument names of a selection's parts in errors.
type selNames struct{ indices, start, end, granularity string }

// The selection names of the attention and scores ops, as constants so
// that validation allocates nothing.
var (
	attnSelNames   = selNames{"sel.indices", "sel.start", "sel.end", "sel.granularity"}
	scoresSelNames = selNames{"candidates.indices", "candidates.start", "candidates.end", "candidates.granularity"}
)

func checkSelection(n selNames, sel *Selection, backend string, Tq, Hk, S int) error {
	if sel.Indices == nil {
		end := sel.End
		if end == 0 {
			end = S
		}
		if end < 0 || end > S {
			return Errorf(ErrRange, n.end, sel.End, "want 0 (all slots) or an end in [start, %d]", S)
		}
		if sel.Start < 0 || sel.Start > end {
			return Errorf(ErrRange, n.start, sel.Start, "want a start in [0, end=%d]", end)
		}
		return nil
	}
	name := n.indices
	switch sel.Granularity {
	case PerRequest:
		return CheckTensor(name, sel.Indices, backend, 1, I32)
	case PerKVHead:
		if err := CheckTensor(name, sel.Indices, backend, 2, I32); err != nil {
			return err
		}
		return CheckDim(name, sel.Indices, 0, Hk)
	case PerQuery:
		if err := CheckTensor(name, sel.Indices, backend, 3, I32); err != nil {
			return err
		}
		if err := CheckDim(name, sel.Indices, 0, Tq); err != nil {
			return err
		}
		return CheckDim(name, sel.Indices, 1, Hk)
	}
	return Errorf(ErrConfig, n.granularity, sel.Granularity, "want request, kvhead or query")
}

// checkKeyRoPE validates in-op RoPE options for head dimension d; causal
// says whether query and key positions are given.
func checkKeyRoPE(r *KeyRoPE, d int, causal bool) error {
	if err := checkRotaryFor(r.Rotary, r.Angles); err != nil {
		return err
	}
	if r.Rotary.HeadDim != d {
		return Errorf(ErrShape, "rope.rotary.head_dim", r.Rotary.HeadDim, "want the q/k head dimension %d", d)
	}
	switch r.KeyPos {
	case KeyPosRank:
	case KeyPosOriginal, KeyPosCapped, KeyPosDualChunk:
		if !causal {
			return Errorf(ErrConfig, "rope.key_pos", r.KeyPos, "key positions %v need q_pos and k_pos", r.KeyPos)
		}
	default:
		return Errorf(ErrConfig, "rope.key_pos", r.KeyPos, "want rank, original, capped or dual-chunk")
	}
	if r.KeyPos == KeyPosCapped && r.Cap < 1 {
		return Errorf(ErrRange, "rope.cap", r.Cap, "want a distance cap ≥ 1")
	}
	if r.KeyPos == KeyPosDualChunk {
		return r.Chunk.check("rope.chunk")
	}
	return nil
}

// checkQueryKeyI32 validates a pair of per-query and per-slot I32
// vectors given both or neither (positions, document ids): qt [Tq] named
// qn and kt [S] named kn.
func checkQueryKeyI32(qn, kn string, qt, kt *Tensor, backend string, Tq, S int) error {
	if (qt == nil) != (kt == nil) {
		given := qn
		if kt != nil {
			given = kn
		}
		return Errorf(ErrShape, qn+"/"+kn, given+" only", "give both or neither")
	}
	if qt == nil {
		return nil
	}
	if err := CheckTensor(qn, qt, backend, 1, I32); err != nil {
		return err
	}
	if err := CheckDim(qn, qt, 0, Tq); err != nil {
		return err
	}
	if err := CheckTensor(kn, kt, backend, 1, I32); err != nil {
		return err
	}
	return CheckDim(kn, kt, 0, S)
}

// checkLSE checks an F32 [Tq, Hq] log-sum-exp tensor.
func checkLSE(arg string, t *Tensor, backend string, Tq, Hq int) error {
	if err := CheckTensor(arg, t, backend, 2, F32); err != nil {
		return err
	}
	if err := CheckDim(arg, t, 0, Tq); err != nil {
		return err
	}
	return CheckDim(arg, t, 1, Hq)
}

// CheckIndices returns ErrRange naming the first slot index of idx that
// is neither -1 (padding) nor in [0, slots): "ARG[i]" with i the flat
// element number of the index tensor.
func CheckIndices(arg string, idx []int32, slots int) error {
	for i, s := range idx {
		if s < -1 || int(s) >= slots {
			return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, i), s, "want -1 (padding) or a slot in [0, %d)", slots)
		}
	}
	return nil
}

// CheckSinks returns ErrRange naming the first sink logit that is NaN or
// +Inf. -Inf is allowed: that head has no sink.
func CheckSinks(arg string, sinks []float32) error {
	for i, s := range sinks {
		if s != s || math.IsInf(float64(s), 1) {
			return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, i), s, "want a finite logit or -Inf")
		}
	}
	return nil
}

// CheckMerge validates a Merge call for backend: O1, O2 and O share one
// float dtype and the shape [Tq, Hq, Dv]; LSE1, LSE2 and LSE are F32
// [Tq, Hq]. LSE values are checked by CheckLSEValues.
func CheckMerge(a *MergeArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("o1", a.O1, backend, 3, F32, BF16, F16); err != nil {
		return err
	}
	shape := a.O1.Shape
	if shape[2] < 1 {
		return Errorf(ErrShape, "o1.shape[2]", shape[2], "want a value head dimension ≥ 1")
	}
	for _, o := range []struct {
		name string
		t    *Tensor
	}{{"o2", a.O2}, {"o", a.O}} {
		if err := CheckTensor(o.name, o.t, backend, 3, a.O1.DType); err != nil {
			return err
		}
		for i := range 3 {
			if err := CheckDim(o.name, o.t, i, shape[i]); err != nil {
				return err
			}
		}
	}
	for _, l := range []struct {
		name string
		t    *Tensor
	}{{"lse1", a.LSE1}, {"lse2", a.LSE2}, {"lse", a.LSE}} {
		if err := checkLSE(l.name, l.t, backend, shape[0], shape[1]); err != nil {
			return err
		}
	}
	return nil
}

// CheckLSEValues returns ErrRange naming the first log-sum-exp that is
// +Inf, which no attention result has. -Inf (an empty key set) and NaN (a
// result that met a NaN, see AttentionArgs) are allowed: Merge propagates
// the NaN to its row.
func CheckLSEValues(arg string, lse []float32) error {
	for i, v := range lse {
		if math.IsInf(float64(v), 1) {
			return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, i), v, "want a finite log-sum-exp, -Inf or NaN")
		}
	}
	return nil
}
