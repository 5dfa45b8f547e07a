package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// TestTruthCosSinExactAngle checks the suite's float64 truth against an
// independent evaluation of the exact angle p·f: for f with at most 24
// significant bits, p = ph·2^16 + pl splits the angle into two products
// that are exact in float64, joined by the angle-addition formulas.
func TestTruthCosSinExactAngle(t *testing.T) {
	r := newRand(9)
	worstNaive, worst := 0.0, 0.0
	for i := 0; i < 20000; i++ {
		f := float64(float32(r.Float64()))
		p := r.Int32N(math.MaxInt32)
		if i%4 == 0 {
			p = math.MaxInt32 - r.Int32N(1000)
		}
		rot := &ops.Rotary{HeadDim: 2, Dim: 2, InvFreq: []float64{f}, AttentionFactor: 1}
		c, s := truthCosSin(rot, p)

		ph, pl := float64(p>>16)*65536, float64(p&0xffff)
		sa, ca := math.Sincos(ph * f) // exact product: ≤ 15+24 significant bits
		sb, cb := math.Sincos(pl * f) // exact product: ≤ 16+24 significant bits
		wc, ws := ca*cb-sa*sb, sa*cb+ca*sb

		worst = math.Max(worst, math.Max(math.Abs(c[0]-wc), math.Abs(s[0]-ws)))
		ns, nc := math.Sincos(float64(p) * f)
		worstNaive = math.Max(worstNaive, math.Max(math.Abs(nc-wc), math.Abs(ns-ws)))
	}
	if worst > 1e-15 {
		t.Errorf("truthCosSin differs from the exact angle by %.3g, want ≤ 1e-15", worst)
	}
	t.Logf("max |truth − exact| = %.3g; math.Sincos of the rounded product: %.3g", worst, worstNaive)
}
