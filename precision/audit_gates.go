package precision

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Gate is one pass/fail check of an audit report.
type Gate struct {
	Name    string `json:"name"`    // one of the Gate constants
	Subject string `json:"subject"` // the pipeline or variant judged, or "all"
	Pass    bool   `json:"pass"`
	Detail  string `json:"detail"` // the numbers behind the verdict
}

// isMode reports whether pipeline name is rotor's mode (NameAccurate or
// NameCompat) or a backend running it ("cuda:accurate").
func isMode(name, mode string) bool {
	return name == mode || strings.HasSuffix(name, ":"+mode)
}

// The gates of Report.Gates. They test orderings and
// zeros rather than exact magnitudes, so they hold across schedules and
// seeds. GateAccurate and GateFP64Flat fail when the accurate pipeline's
// float64 angle is replaced by a float32 one.
const (
	// GateDeterminism: D(Δ, Δ) of the Eq. 4 analogue, recomputed from
	// scratch, is exactly 0 for every variant.
	GateDeterminism = "eq4-determinism"
	// GateFP64: the float64 pipeline's D is at most 1e-10.
	GateFP64 = "eq4-fp64-zero"
	// GateFP32BelowBF16: D of float32 outputs is at most 1e-2 × D of the
	// accurate 16-bit outputs, for every shift and configuration.
	GateFP32BelowBF16 = "eq4-fp32-below-16bit"
	// GateHFAboveAccurate: D of the Hugging Face pipeline is at least D
	// of the accurate one, for every shift and configuration.
	GateHFAboveAccurate = "eq4-hf-above-accurate"
	// GateSinkShare: a sink raises key column 0's share of D (16-bit
	// accurate and Hugging Face pipelines, mean over shifts).
	GateSinkShare = "eq4-sink-raises-col0"
	// GateFP32Grows: the float32-angle D_logit (f32 outputs) grows at
	// least 10× from the shortest to the longest length.
	GateFP32Grows = "eq5-fp32-angle-grows"
	// GateFP64Flat: the float64-angle D_logit (accurate at f32 and at the
	// 16-bit dtype, and backends in Accurate mode) varies less than 2×
	// across lengths.
	GateFP64Flat = "eq5-fp64-angle-flat"
	// GateAccurate: the accurate pipeline, and every backend pipeline in
	// Accurate mode, is flagged in no bucket up to position 2^20 (mismatch
	// fraction < 1e-3 for 16-bit outputs).
	GateAccurate = "rotation-accurate"
	// GateCompatFlagged: the audit flags the compat pipeline (and every
	// backend pipeline in Compat mode) in every bucket from position 4096
	// on: it detects float32 angles.
	GateCompatFlagged = "rotation-compat-flagged"
	// GatePosition0: at position 0 every pipeline returns its input
	// exactly (schedules with attention factor 1).
	GatePosition0 = "position-0-identity"
)

// Gates evaluates the report's gates. A gate whose inputs the report
// lacks (a pipeline left out, the study skipped, no bucket past 4096) is
// not returned.
func (r *Report) Gates() []Gate {
	var g []Gate
	add := func(name, subject string, pass bool, format string, args ...any) {
		g = append(g, Gate{Name: name, Subject: subject, Pass: pass, Detail: fmt.Sprintf(format, args...)})
	}
	if s := r.Study; s != nil {
		s.eq4Gates(add)
		s.eq5Gates(add)
	}
	for i, p := range r.Pipelines {
		if !isMode(p, NameAccurate) {
			continue
		}
		metric := r.flagMetric()
		worst, at, pass := -1.0, "", true
		for b, bk := range r.Buckets {
			if bk.Lo > 1<<20 {
				break
			}
			if v := r.Value(metric, p, b); v > worst {
				worst, at = v, bk.String()
			}
			pass = pass && !r.Flagged[i][b]
		}
		if at != "" { // some value measured: not an unsupported pipeline
			add(GateAccurate, p, pass, "worst %s %.3g at positions %s", metric, worst, at)
		}
	}
	for i, p := range r.Pipelines {
		if !isMode(p, NameCompat) {
			continue
		}
		n, flagged := 0, 0
		for b, bk := range r.Buckets {
			if bk.Lo >= 4096 && !math.IsNaN(r.Value(r.flagMetric(), p, b)) {
				n++
				if r.Flagged[i][b] {
					flagged++
				}
			}
		}
		if n > 0 {
			add(GateCompatFlagged, p, flagged == n, "flagged in %d of %d buckets from 4096 on", flagged, n)
		}
	}
	if len(r.Buckets) > 0 && r.Buckets[0].Lo == 0 && r.AttentionFactor == 1 {
		pass, bad := true, ""
		for _, p := range r.Pipelines {
			if v := r.Value(MetricNormwise, p, 0); v != 0 && !math.IsNaN(v) {
				pass, bad = false, fmt.Sprintf("%s%s moves inputs by %.3g; ", bad, p, v)
			}
		}
		if pass {
			bad = fmt.Sprintf("all %d pipelines return their input", len(r.Pipelines))
		}
		add(GatePosition0, "all", pass, "%s", strings.TrimSuffix(bad, "; "))
	}
	return g
}

func (s *Study) eq4Gates(add func(string, string, bool, string, ...any)) {
	low := s.Low
	acc, hf := NameAccurate+"/"+low, NameHF+"/"+low
	zero, nz := true, 0
	for _, e := range s.Eq4 {
		for i, d1 := range s.Delta1 {
			if d1 == s.Delta2 {
				nz++
				if e.D[i] != 0 && !math.IsNaN(e.D[i]) {
					zero = false
				}
			}
		}
	}
	if nz > 0 {
		add(GateDeterminism, "all", zero, "%d recomputed D(%d, %d) values checked", nz, s.Delta2, s.Delta2)
	}
	configs := []string{ConfigIsotropic, ConfigSink}
	if s.Eq4For(NameFP64, ConfigIsotropic) != nil {
		worst := 0.0
		for _, e := range s.Eq4 { // every configuration: masks keep the invariance
			if e.Variant == NameFP64 {
				worst = max(worst, slices.Max(e.D))
			}
		}
		add(GateFP64, NameFP64, worst <= 1e-10, "max fp64 D %.3g (limit 1e-10)", worst)
	}
	ratio := func(num, den string, limit float64, below bool) (pass bool, worst float64) {
		pass, worst = true, math.NaN()
		if below {
			worst = 0
		} else {
			worst = math.Inf(1)
		}
		for _, c := range configs {
			a, b := s.Eq4For(num, c), s.Eq4For(den, c)
			for i, d1 := range s.Delta1 {
				if d1 == s.Delta2 {
					continue
				}
				q := a.D[i] / b.D[i]
				if below {
					worst = max(worst, q)
					pass = pass && a.D[i] <= limit*b.D[i]
				} else {
					worst = min(worst, q)
					pass = pass && a.D[i] >= limit*b.D[i]
				}
			}
		}
		return pass, worst
	}
	if s.Eq4For(acc, ConfigIsotropic) != nil {
		if s.Eq4For(NameFP32+"/f32", ConfigIsotropic) != nil {
			pass, w := ratio(NameFP32+"/f32", acc, 1e-2, true)
			add(GateFP32BelowBF16, NameFP32+"/f32", pass, "largest D(fp32/f32) / D(%s) = %.3g (limit 1e-2)", acc, w)
		}
		if s.Eq4For(hf, ConfigIsotropic) != nil {
			pass, w := ratio(hf, acc, 1, false)
			add(GateHFAboveAccurate, hf, pass, "smallest D(%s) / D(%s) = %.3g (limit 1)", hf, acc, w)
		}
		pass, detail := true, ""
		for _, v := range []string{acc, hf} {
			if s.Eq4For(v, ConfigIsotropic) == nil {
				continue
			}
			iso, sink := s.meanShare(v, ConfigIsotropic), s.meanShare(v, ConfigSink)
			pass = pass && sink > iso
			detail += fmt.Sprintf("%s col0 share %.3g isotropic, %.3g sink; ", v, iso, sink)
		}
		add(GateSinkShare, acc+", "+hf, pass, "%s", strings.TrimSuffix(detail, "; "))
	}
}

// meanShare returns the mean column-0 share of D over the shifts other
// than Delta2.
func (s *Study) meanShare(variant, config string) float64 {
	e := s.Eq4For(variant, config)
	sum, n := 0.0, 0
	for i, d1 := range s.Delta1 {
		if d1 != s.Delta2 {
			sum += e.Col0Share[i]
			n++
		}
	}
	return sum / float64(n)
}

func (s *Study) eq5Gates(add func(string, string, bool, string, ...any)) {
	if len(s.LogitT) < 2 {
		return
	}
	lo, hi := slices.Index(s.LogitT, slices.Min(s.LogitT)), slices.Index(s.LogitT, slices.Max(s.LogitT))
	if e := s.Eq5For(NameFP32 + "/f32"); e != nil {
		g := e.DLogit[hi] / e.DLogit[lo]
		add(GateFP32Grows, NameFP32+"/f32", g >= 10, "fp32/f32 D_logit %.3g at T=%d, %.3g at T=%d: ×%.3g (limit ×10)",
			e.DLogit[lo], s.LogitT[lo], e.DLogit[hi], s.LogitT[hi], g)
	}
	pass, detail, subj := true, "", []string{}
	for _, v := range s.Variants {
		if v != NameAccurate+"/f32" && !isMode(v, NameAccurate+"/"+s.Low) {
			continue
		}
		e := s.Eq5For(v)
		if slices.ContainsFunc(e.DLogit, math.IsNaN) {
			continue // not supported by the pipeline
		}
		spread := slices.Max(e.DLogit) / slices.Min(e.DLogit)
		pass = pass && spread < 2
		subj = append(subj, v)
		detail += fmt.Sprintf("%s D_logit max/min ×%.3g; ", v, spread)
	}
	if len(subj) > 0 {
		add(GateFP64Flat, strings.Join(subj, ", "), pass, "%s (limit ×2)", strings.TrimSuffix(detail, "; "))
	}
}
