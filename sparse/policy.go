package sparse

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// Policy picks the KV-cache slots one decode step attends to.
//
// Select returns a selection for the attention op over the tokens of ctx,
// for the query q ([Hq, D] or [1, Hq, D]). The selection's index tensor
// belongs to the policy and is overwritten by its next Select, so a
// policy serves one request and one layer at a time and is not safe for
// concurrent use.
type Policy interface {
	Select(q *ops.Tensor, ctx Context) (ops.Selection, error)
}

// checkCount returns ErrRange unless 0 ≤ v ≤ ops.MaxSize, so that sums
// of a few counts cannot overflow.
func checkCount(arg string, v int) error {
	if v < 0 || uint64(v) > ops.MaxSize {
		return ops.Errorf(ops.ErrRange, arg, v, "want 0 to 2^48")
	}
	return nil
}

// checkBackend returns ErrConfig when b is nil.
func checkBackend(b ops.Backend) error {
	if b == nil {
		return ops.Errorf(ops.ErrConfig, "backend", nil, "a backend is required")
	}
	return nil
}

// rowWidth is the width of a policy's selection rows over ctx: its
// configured width w, or the pool's slot count when that is smaller (a
// row never lists more than the context's tokens, each in its own slot),
// so that a budget far beyond the pool allocates nothing it claims.
func rowWidth(w int, ctx *Context) int { return min(w, ctx.K.Shape[0]) }

// checkQuery returns ErrRange naming the first element of the query (its
// host copy qh, flat) that is NaN or infinite: the selection primitives
// would give its head NaN scores, which the soft vote weighs 0 and top-k
// never picks, so the selection would look plausible.
func checkQuery(qh []float32) error {
	for i, v := range qh {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return ops.Errorf(ops.ErrRange, fmt.Sprintf("q[%d]", i), v, "want a finite query (element %d of the flat query)", i)
		}
	}
	return nil
}

// checkScale returns ErrRange unless s is 0 (the default 1/sqrt(D)) or a
// finite positive number.
func checkScale(s float32) error {
	f := float64(s)
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return ops.Errorf(ops.ErrRange, "scale", s, "want 0 (1/sqrt(D)) or a finite positive number")
	}
	return nil
}

// checkGranularity accepts PerRequest and PerKVHead.
func checkGranularity(g ops.Granularity) error {
	if g != ops.PerRequest && g != ops.PerKVHead {
		return ops.Errorf(ops.ErrConfig, "granularity", g, "want request or kvhead")
	}
	return nil
}

// rowsFor returns the number of index rows of granularity g.
func rowsFor(g ops.Granularity, hk int) int {
	if g == ops.PerKVHead {
		return hk
	}
	return 1
}
