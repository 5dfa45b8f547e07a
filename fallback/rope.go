package fallback

import "github.com/rotorkernels/rotor/ops"

// RoPE rotates q and (when non-nil) k in place in one pass.
//
// For each token t and pair j the float32 cos and sin are computed once
// (precision.AccurateCosSin or precision.CompatCosSin, by a.Angles) and
// shared by every head of q and k. Each pair (x_a, x_b) — (j, j+Dim/2)
// for NeoX, (2j, 2j+1) for GPT-J — is widened exactly to float32 and
// rotated as precision.RotatePair does,
//
//	x_a' = x_a·c − x_b·s,  x_b' = x_b·c + x_a·s,
//
// every product and sum rounded to float32, then rounded once to the
// tensor dtype. Elements Dim..HeadDim-1 are not touched. Work is spread
// over (token, head group) units on the backend's worker pool.
//
// Arguments are validated (ops.CheckRoPE, ops.CheckPositions) before any
// memory is written.
func (b *Backend) RoPE(a *ops.RoPEArgs) error {
	if err := ops.CheckRoPE(a, Name); err != nil {
		return err
	}
	j := getRoPEJob()
	defer putRoPEJob(j)
	j.pos = gatherI32(a.Positions, &j.posBuf)
	if err := ops.CheckPositions("positions", j.pos); err != nil {
		return err
	}
	T := a.Q.Shape[0]
	if T == 0 {
		return nil
	}
	j.setup(a.Q, a.K, a.Rotary, a.Angles, b.pool.width())
	units, grain := j.plan(T, b.pool.width())
	b.pool.run(units, grain, j)
	return nil
}
