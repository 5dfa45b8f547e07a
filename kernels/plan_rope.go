package kernels

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// RoPEVec returns the widest pairs-per-thread count (kernel rope_vV) for
// dtype dt such that every run of Vec elements a thread loads or stores is
// aligned to its own size: Vec divides half (the pair count), the head
// dimension and every row stride, and every base address is a multiple of
// Vec*dt.Size() bytes.
func RoPEVec(dt ops.DType, half, headDim int, rows []int, addrs []uint64) int {
	ch := vecChoices(dt)
	for i := len(ch) - 1; i >= 0; i-- {
		v := ch[i]
		if vecFits(v, dt, append([]int{half, headDim}, rows...), addrs) {
			return v
		}
	}
	return 1
}

// copyVec returns the widest copy unit (elements, at most 16 bytes) that
// divides n and every row stride and aligns every address.
func copyVec(dt ops.DType, n int, rows []int, addrs []uint64) int {
	for _, v := range []int{8, 4, 2, 1} {
		if v*dt.Size() <= 16 && vecFits(v, dt, append([]int{n}, rows...), addrs) {
			return v
		}
	}
	return 1
}

func vecFits(v int, dt ops.DType, counts []int, addrs []uint64) bool {
	for _, c := range counts {
		if c%v != 0 {
			return false
		}
	}
	for _, a := range addrs {
		if a%uint64(v*dt.Size()) != 0 {
			return false
		}
	}
	return true
}

// RoPEGrid returns the grid of a rope or rope_append launch rotating T
// tokens of H = Hq+Hk heads with chunks = half/Vec threads per token: x
// covers the T*chunks (token, chunk) units in blocks of RoPEBlock; y splits
// the heads so that small T still fills the device.
func RoPEGrid(T, chunks, H int, dev Device) [3]int {
	units := T * chunks
	gx := max(1, ceilDiv(units, RoPEBlock))
	gy := max(1, min(H, ceilDiv(dev.residentThreads(), gx*RoPEBlock)))
	return [3]int{gx, gy, 1}
}

// checkUnits returns ErrUnsupported when T tokens of chunks threads each
// exceed the kernels' 32-bit unit index.
func checkUnits(T, chunks int) error {
	if int64(T)*int64(chunks) > math.MaxInt32 {
		return ops.Errorf(ops.ErrUnsupported, "q.shape[0]", T, "the rope kernels index at most 2^31-1 (token, pair-group) units; split the call")
	}
	return nil
}

// PlanRoPE plans Backend.RoPE: one launch of kernel "rope_vV" (V chosen by
// RoPEVec) that rotates q
// and k in place. Position values are not read here: reject negative
// positions with ops.CheckPositions before launching (the kernel never
// indexes memory by a position).
//
// Parameters (kernels rope_vV in rope.cu): q, k, pos, inv_freq, attn (double),
// q_row, k_row, pos_stride (i64, elements), T, Hq, Hk, head_dim, half
// (i32).
func PlanRoPE(a *ops.RoPEArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckRoPE(a, ""); err != nil {
		return nil, err
	}
	T, Hq, D := a.Q.Shape[0], a.Q.Shape[1], a.Q.Shape[2]
	Hk, kRow := 0, 0
	if a.K != nil {
		Hk, kRow = a.K.Shape[1], a.K.RowStride()
	}
	if T == 0 || Hq+Hk == 0 {
		return nil, nil
	}
	q, err := m.Addr(a.Q)
	if err != nil {
		return nil, err
	}
	var k uint64
	if Hk > 0 {
		if k, err = m.Addr(a.K); err != nil {
			return nil, err
		}
	}
	pos, err := m.Addr(a.Positions)
	if err != nil {
		return nil, err
	}
	inv, err := m.InvFreq(a.Rotary, a.Angles)
	if err != nil {
		return nil, err
	}
	half := a.Rotary.Dim / 2
	rows, addrs := []int{a.Q.RowStride()}, []uint64{q}
	if Hk > 0 {
		rows, addrs = append(rows, kRow), append(addrs, k)
	}
	vec := RoPEVec(a.Q.DType, half, D, rows, addrs)
	if err := checkUnits(T, half/vec); err != nil {
		return nil, err
	}
	o := Options{DType: a.Q.DType, Layout: a.Rotary.Layout, Angles: a.Angles}
	return []Launch{{
		Family: RoPE, Options: o, Kernel: fmt.Sprintf("rope_v%d", vec),
		Grid:  RoPEGrid(T, half/vec, Hq+Hk, dev),
		Block: [3]int{RoPEBlock, 1, 1},
		Args: []Arg{Ptr(q), Ptr(k), Ptr(pos), Ptr(inv), F64(a.Rotary.AttentionFactor),
			I64(a.Q.RowStride()), I64(kRow), I64(a.Positions.RowStride()), I32(T), I32(Hq), I32(Hk), I32(D), I32(half)},
	}}, nil
}

// PlanRoPEAppend plans Backend.RoPEAppend: one launch of kernel
// "rope_append_vV". Validate slot values with ops.CheckSlots first (the
// kernel skips a slot outside [0, S) but cannot report it).
//
// Parameters (kernels rope_append_vV in rope_append.cu): q, k, v, k_cache,
// v_cache, pos, slots, inv_freq, attn (double), q_row, k_row, v_row,
// kc_row, vc_row, pos_stride, slot_stride (i64), T, Hq, Hk, head_dim,
// half, Dv, S, v_vec (i32).
func PlanRoPEAppend(a *ops.RoPEAppendArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckRoPEAppend(a, ""); err != nil {
		return nil, err
	}
	T, Hq, D := a.Q.Shape[0], a.Q.Shape[1], a.Q.Shape[2]
	Hk, Dv, S := a.K.Shape[1], a.V.Shape[2], a.KCache.Shape[0]
	if T == 0 || Hq+Hk == 0 {
		return nil, nil
	}
	var addr [8]uint64
	for i, t := range []*ops.Tensor{a.Q, a.K, a.V, a.KCache, a.VCache, a.Positions, a.Slots} {
		var err error
		if addr[i], err = m.Addr(t); err != nil {
			return nil, err
		}
	}
	inv, err := m.InvFreq(a.Rotary, a.Angles)
	if err != nil {
		return nil, err
	}
	half := a.Rotary.Dim / 2
	dt := a.Q.DType
	vec := RoPEVec(dt, half, D, []int{a.Q.RowStride(), a.K.RowStride(), a.KCache.RowStride()}, []uint64{addr[0], addr[1], addr[3]})
	vv := copyVec(dt, Dv, []int{a.V.RowStride(), a.VCache.RowStride()}, []uint64{addr[2], addr[4]})
	if err := checkUnits(T, half/vec); err != nil {
		return nil, err
	}
	o := Options{DType: dt, Layout: a.Rotary.Layout, Angles: a.Angles}
	return []Launch{{
		Family: RoPEAppend, Options: o, Kernel: fmt.Sprintf("rope_append_v%d", vec),
		Grid:  RoPEGrid(T, half/vec, Hq+Hk, dev),
		Block: [3]int{RoPEBlock, 1, 1},
		Args: []Arg{Ptr(addr[0]), Ptr(addr[1]), Ptr(addr[2]), Ptr(addr[3]), Ptr(addr[4]), Ptr(addr[5]), Ptr(addr[6]),
			Ptr(inv), F64(a.Rotary.AttentionFactor),
			I64(a.Q.RowStride()), I64(a.K.RowStride()), I64(a.V.RowStride()), I64(a.KCache.RowStride()), I64(a.VCache.RowStride()),
			I64(a.Positions.RowStride()), I64(a.Slots.RowStride()),
			I32(T), I32(Hq), I32(Hk), I32(D), I32(half), I32(Dv), I32(S), I32(vv)},
	}}, nil
}
