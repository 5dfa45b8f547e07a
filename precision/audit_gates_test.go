package precision

import (
	"math"
	"sync"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// gateRotary is the schedule of the paper's experiments (LLaMA-2): d = 128,
// base 1e4, NeoX, built here from its formula so the test does not lean
// on the schedule constructors.
func gateRotary() *ops.Rotary {
	const d, base = 128, 1e4
	r := &ops.Rotary{Type: "default", HeadDim: d, Dim: d, AttentionFactor: 1, Layout: ops.NeoX}
	for j := range d / 2 {
		r.InvFreq = append(r.InvFreq, 1/math.Pow(base, float64(2*j)/d))
		r.InvFreqF32 = append(r.InvFreqF32, float32(1)/float32(math.Pow(base, float64(float32(2*j)/float32(d)))))
	}
	return r
}

var (
	gateOnce sync.Once
	gateRep  *Report
	gateErr  error
)

// sharedGateReport computes gateReport once for the tests that only read
// it.
func sharedGateReport(t *testing.T) *Report {
	gateOnce.Do(func() { gateRep, gateErr = Audit(AuditOptions{Rotary: gateRotary(), MaxPos: 1 << 20}) })
	if gateErr != nil {
		t.Fatal(gateErr)
	}
	return gateRep
}

func gateByName(gates []Gate, name, subject string) (Gate, bool) {
	for _, g := range gates {
		if g.Name == name && (subject == "" || g.Subject == subject) {
			return g, true
		}
	}
	return Gate{}, false
}

// TestAuditGatesPass checks that every gate is evaluated and
// passes on a correct implementation.
func TestAuditGatesPass(t *testing.T) {
	rep := sharedGateReport(t)
	gates := rep.Gates()
	for _, name := range []string{GateDeterminism, GateFP64, GateFP32BelowBF16, GateHFAboveAccurate,
		GateSinkShare, GateFP32Grows, GateFP64Flat, GateAccurate, GateCompatFlagged, GatePosition0} {
		g, ok := gateByName(gates, name, "")
		if !ok {
			t.Errorf("gate %s not evaluated", name)
			continue
		}
		if !g.Pass {
			t.Errorf("gate %s (%s) failed: %s", g.Name, g.Subject, g.Detail)
		}
	}
}

// TestAuditGateValues restates the gates as direct checks on the
// report's numbers, so a bug in Gates cannot hide a failure.
func TestAuditGateValues(t *testing.T) {
	rep := sharedGateReport(t)
	s := rep.Study
	if s == nil {
		t.Fatal("no study")
	}
	di := -1
	for i, d := range s.Delta1 {
		if d == s.Delta2 {
			di = i
		}
	}
	if di < 0 {
		t.Fatalf("default Delta1 %v lacks Delta2 %d", s.Delta1, s.Delta2)
	}
	for _, e := range s.Eq4 {
		if e.D[di] != 0 {
			t.Errorf("%s %s: D(Δ,Δ) = %g, want exactly 0", e.Variant, e.Config, e.D[di])
		}
	}
	for _, c := range []string{ConfigIsotropic, ConfigSink} {
		fp64, fp32 := s.Eq4For("fp64", c), s.Eq4For("fp32/f32", c)
		acc, hf := s.Eq4For("accurate/bf16", c), s.Eq4For("hf/bf16", c)
		for i, d1 := range s.Delta1 {
			if d1 == s.Delta2 {
				continue
			}
			if fp64.D[i] > 1e-10 {
				t.Errorf("%s Δ1=%d: fp64 D = %g > 1e-10", c, d1, fp64.D[i])
			}
			if !(fp32.D[i] <= 1e-2*acc.D[i]) {
				t.Errorf("%s Δ1=%d: fp32 D %g > 1e-2 × accurate/bf16 D %g", c, d1, fp32.D[i], acc.D[i])
			}
			if !(hf.D[i] >= acc.D[i]) {
				t.Errorf("%s Δ1=%d: hf D %g < accurate D %g", c, d1, hf.D[i], acc.D[i])
			}
		}
	}
	for _, v := range []string{"accurate/bf16", "hf/bf16"} {
		if iso, sink := s.meanShare(v, ConfigIsotropic), s.meanShare(v, ConfigSink); !(sink > iso) {
			t.Errorf("%s: sink col-0 share %g not above isotropic %g", v, sink, iso)
		}
		// packed documents: the anchor every document sees carries more of
		// the deviation than the first token of the first document alone
		if packed, anchor := s.meanShare(v, ConfigPacked), s.meanShare(v, ConfigAnchor); !(anchor > packed) {
			t.Errorf("%s: anchor col-0 share %g not above packed %g", v, anchor, packed)
		}
	}
	for _, c := range []string{ConfigPacked, ConfigAnchor} {
		for i, d1 := range s.Delta1 {
			if e := s.Eq4For("fp64", c); d1 != s.Delta2 && e.D[i] > 1e-10 {
				t.Errorf("%s Δ1=%d: fp64 D = %g > 1e-10", c, d1, e.D[i])
			}
		}
	}
	first, last := 0, len(s.LogitT)-1
	if s.LogitT[first] != 64 || s.LogitT[last] != 8192 {
		t.Fatalf("LogitT %v, want 64 … 8192", s.LogitT)
	}
	if e := s.Eq5For("fp32/f32"); !(e.DLogit[last] >= 10*e.DLogit[first]) {
		t.Errorf("fp32 angle D_logit %g at 8192 not ≥ 10 × %g at 64", e.DLogit[last], e.DLogit[first])
	}
	for _, v := range []string{"accurate/f32", "accurate/bf16"} {
		e := s.Eq5For(v)
		lo, hi := math.Inf(1), 0.0
		for _, d := range e.DLogit {
			lo, hi = min(lo, d), max(hi, d)
		}
		if !(hi < 2*lo) {
			t.Errorf("%s D_logit not flat: %v", v, e.DLogit)
		}
	}
	for b, bk := range rep.Buckets {
		if bk.Lo <= 1<<20 {
			if m := rep.Value(MetricMismatch, NameAccurate, b); !(m < 1e-3) {
				t.Errorf("accurate mismatch %g at positions %s, want < 1e-3", m, bk)
			}
		}
		if bk.Lo >= 4096 && !rep.Flagged[rep.PipelineIndex(NameCompat)][b] {
			t.Errorf("compat not flagged at positions %s (mismatch %g)", bk, rep.Value(MetricMismatch, NameCompat, b))
		}
		if bk.Lo >= 4096 && rep.Flagged[rep.PipelineIndex(NameAccurate)][b] {
			t.Errorf("accurate flagged at positions %s", bk)
		}
	}
	if rep.Buckets[len(rep.Buckets)-1].Lo != 1<<20 {
		t.Errorf("last bucket %s, want one starting at 2^20", rep.Buckets[len(rep.Buckets)-1])
	}
	for _, p := range rep.Pipelines {
		if v := rep.Value(MetricNormwise, p, 0); v != 0 {
			t.Errorf("%s at position 0: normwise %g, want exactly 0 (identity)", p, v)
		}
	}
}

// TestAuditGatesFailWithFloat32Angles proves the gates can fail: with the
// accurate pipeline's float64 angle reduction replaced by the float32
// angle float32(pos)·float32(inv_freq), the rotation gate and the flat
// D_logit gate must both fail.
func TestAuditGatesFailWithFloat32Angles(t *testing.T) {
	saved := auditAccurateAngles
	defer func() { auditAccurateAngles = saved }()
	auditAccurateAngles = func(pos int32, invFreq, attn float64) (float32, float32) {
		return CompatCosSin(pos, float32(invFreq), attn)
	}
	rep, err := Audit(AuditOptions{Rotary: gateRotary(), MaxPos: 1 << 20, Study: StudyOptions{T: 128}})
	if err != nil {
		t.Fatal(err)
	}
	gates := rep.Gates()
	for _, name := range []string{GateAccurate, GateFP64Flat} {
		g, ok := gateByName(gates, name, "")
		if !ok {
			t.Errorf("gate %s not evaluated", name)
			continue
		}
		if g.Pass {
			t.Errorf("gate %s passed with float32 angles: %s", name, g.Detail)
		} else {
			t.Logf("gate %s fails as it must: %s", name, g.Detail)
		}
	}
}
