package sparse

import (
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

// checkCount returns ErrRange unless v ≥ 0.
func checkCount(arg string, v int) error {
	if v < 0 {
		return ops.Errorf(ops.ErrRange, arg, v, "want ≥ 0")
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
