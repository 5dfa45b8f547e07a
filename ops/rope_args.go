package ops

import "fmt"

// RoPEArgs are the arguments of Backend.RoPE.
//
// Q is [T, Hq, HeadDim] and K (optional) is [T, Hk, HeadDim], both of the
// same float dtype, rotated in place. Positions is I32 [T] with every
// entry ≥ 0. Arithmetic is float32 with one final rounding to the tensor
// dtype. K must not share an element with Q — it would be rotated twice —
// nor either with Positions (ErrBuffer; views of one fused QKV buffer
// with disjoint columns are fine, see Overlap).
type RoPEArgs struct {
	Q, K      *Tensor
	Positions *Tensor
	Rotary    *Rotary
	Angles    AngleMode
}

// RoPEAppendArgs are the arguments of Backend.RoPEAppend: Q [T,Hq,D] is
// rotated in place; K [T,Hk,D] is rotated and written, with V [T,Hk,Dv],
// into rows Slots[t] of KCache [S,Hk,D] and VCache [S,Hk,Dv]. K and V are
// not modified. Slots is I32 [T] with 0 ≤ Slots[t] < S; a slot may appear
// only once. Q must not overlap any other argument, nor KCache VCache
// (ErrBuffer).
type RoPEAppendArgs struct {
	Q, K, V        *Tensor
	KCache, VCache *Tensor
	Positions      *Tensor
	Slots          *Tensor
	Rotary         *Rotary
	Angles         AngleMode
}

// CheckRoPE validates a RoPE call for backend (shapes, dtypes, strides,
// buffer lengths, schedule). Position values live in backend memory and
// are checked by CheckPositions once the backend can read them.
func CheckRoPE(a *RoPEArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := checkRotaryFor(a.Rotary, a.Angles); err != nil {
		return err
	}
	if err := CheckTensor("q", a.Q, backend, 3, F32, BF16, F16); err != nil {
		return err
	}
	T := a.Q.Shape[0]
	if err := CheckDim("q", a.Q, 2, a.Rotary.HeadDim); err != nil {
		return err
	}
	if a.K != nil {
		if err := CheckTensor("k", a.K, backend, 3, a.Q.DType); err != nil {
			return err
		}
		if err := CheckDim("k", a.K, 0, T); err != nil {
			return err
		}
		if err := CheckDim("k", a.K, 2, a.Rotary.HeadDim); err != nil {
			return err
		}
		if err := CheckDisjoint("q", a.Q, "k", a.K); err != nil { // an element would be rotated twice
			return err
		}
	}
	if err := CheckTensor("positions", a.Positions, backend, 1, I32); err != nil {
		return err
	}
	if err := CheckDim("positions", a.Positions, 0, T); err != nil {
		return err
	}
	if err := CheckDisjoint("q", a.Q, "positions", a.Positions); err != nil {
		return err
	}
	return CheckDisjoint("k", a.K, "positions", a.Positions)
}

// CheckRoPEAppend validates a RoPEAppend call for backend.
func CheckRoPEAppend(a *RoPEAppendArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckRoPE(&RoPEArgs{Q: a.Q, K: a.K, Positions: a.Positions, Rotary: a.Rotary, Angles: a.Angles}, backend); err != nil {
		return err
	}
	if a.K == nil {
		return Errorf(ErrShape, "k", nil, "a tensor is required")
	}
	T, Hk, D := a.K.Shape[0], a.K.Shape[1], a.K.Shape[2]
	dt := a.Q.DType
	if err := CheckTensor("v", a.V, backend, 3, dt); err != nil {
		return err
	}
	if err := CheckDim("v", a.V, 0, T); err != nil {
		return err
	}
	if err := CheckDim("v", a.V, 1, Hk); err != nil {
		return err
	}
	if err := CheckTensor("k_cache", a.KCache, backend, 3, dt); err != nil {
		return err
	}
	if err := CheckDim("k_cache", a.KCache, 1, Hk); err != nil {
		return err
	}
	if err := CheckDim("k_cache", a.KCache, 2, D); err != nil {
		return err
	}
	if err := CheckTensor("v_cache", a.VCache, backend, 3, dt); err != nil {
		return err
	}
	if err := CheckDim("v_cache", a.VCache, 0, a.KCache.Shape[0]); err != nil {
		return err
	}
	if err := CheckDim("v_cache", a.VCache, 1, Hk); err != nil {
		return err
	}
	if err := CheckDim("v_cache", a.VCache, 2, a.V.Shape[2]); err != nil {
		return err
	}
	if err := CheckTensor("slots", a.Slots, backend, 1, I32); err != nil {
		return err
	}
	if err := CheckDim("slots", a.Slots, 0, T); err != nil {
		return err
	}
	// q is rotated in place: nothing else the op reads or writes may share
	// its memory; the two caches are written side by side.
	for _, o := range [...]struct {
		arg string
		t   *Tensor
	}{{"v", a.V}, {"k_cache", a.KCache}, {"v_cache", a.VCache}, {"slots", a.Slots}} {
		if err := CheckDisjoint("q", a.Q, o.arg, o.t); err != nil {
			return err
		}
	}
	return CheckDisjoint("k_cache", a.KCache, "v_cache", a.VCache)
}

func checkRotaryFor(r *Rotary, m AngleMode) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if m != Accurate && m != Compat {
		return Errorf(ErrConfig, "angles", m, "want accurate or compat")
	}
	return nil
}

// CheckPositions returns ErrRange naming the first negative position.
func CheckPositions(arg string, pos []int32) error {
	for i, p := range pos {
		if p < 0 {
			return Errorf(ErrRange, fmt.Sprintf("%s[%d]", arg, i), p, "want ≥ 0")
		}
	}
	return nil
}
