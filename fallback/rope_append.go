package fallback

import "github.com/rotorkernels/rotor/ops"

// RoPEAppend rotates q in place and appends the step's keys and values to
// a token-slot KV cache: for each token t, k's heads rotated exactly as
// RoPE rotates them are written to KCache row Slots[t], and v's row is
// copied to VCache row Slots[t]. K and V are not modified; cache rows not
// named by Slots are not touched.
//
// Arguments are validated (ops.CheckRoPEAppend, ops.CheckPositions,
// ops.CheckSlots) before any memory is written.
func (b *Backend) RoPEAppend(a *ops.RoPEAppendArgs) error {
	if err := ops.CheckRoPEAppend(a, Name); err != nil {
		return err
	}
	j := getRoPEJob()
	defer putRoPEJob(j)
	j.pos = gatherI32(a.Positions, &j.posBuf)
	if err := ops.CheckPositions("positions", j.pos); err != nil {
		return err
	}
	j.slots = gatherI32(a.Slots, &j.slotBuf)
	if err := ops.CheckSlots("slots", j.slots, a.KCache.Shape[0]); err != nil {
		return err
	}
	T := a.Q.Shape[0]
	if T == 0 {
		return nil
	}
	j.setup(a.Q, a.K, a.Rotary, a.Angles, b.pool.width())
	j.appendKV = true
	j.kc, j.v, j.vc = viewOf(a.KCache), viewOf(a.V), viewOf(a.VCache)
	j.dv = a.V.Shape[2]
	units, grain := j.plan(T, b.pool.width())
	b.pool.run(units, grain, j)
	return nil
}
