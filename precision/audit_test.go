package precision

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// testPipe is a float64 pipeline whose angle is the exact one plus
// extra(p) radians: a controlled error for checking the metrics.
type testPipe struct {
	name  string
	extra func(p int32) float64
}

func (t testPipe) Name() string { return t.name }

func (t testPipe) Tables(r *ops.Rotary, dt ops.DType, pos []int32) ([]float64, []float64, error) {
	if err := checkPipeArgs(r, dt, pos, 0, nil); err != nil {
		return nil, nil, err
	}
	c, s := pipeTables(r, pos, func(p int32, j int) (float64, float64) {
		sn, cs := math.Sincos(float64(p)*r.InvFreq[j] + t.extra(p))
		return r.AttentionFactor * cs, r.AttentionFactor * sn
	})
	return c, s, nil
}

func (t testPipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	if err := checkPipeArgs(r, dt, pos, heads, x); err != nil {
		return nil, err
	}
	c, s, _ := t.Tables(r, dt, pos)
	return pipeRotate(r, pos, heads, x, c, s, func(a, b float32, c, s float64) (float64, float64) {
		A, B := float64(a), float64(b)
		return A*c - B*s, B*c + A*s
	}), nil
}

// TestAuditAngleMetric checks the angle metrics of the float32-angle
// pipeline against the formula |float32(p)·f32 − p·f| (the trig and the
// float32 rounding of cos and sin add at most about 1.2e-7 rad).
func TestAuditAngleMetric(t *testing.T) {
	r := gateRotary()
	rep, err := Audit(AuditOptions{Rotary: r, MaxPos: 1 << 20, Pipelines: []Pipeline{Rotor(ops.Compat)}, Study: StudyOptions{Skip: true}})
	if err != nil {
		t.Fatal(err)
	}
	f32 := r.F32()
	for b, bk := range rep.Buckets {
		var want, want32 float64
		for _, p := range bk.Positions {
			for j, f := range r.InvFreq {
				a := float64(CompatAngle(p, f32[j]))
				want = max(want, math.Abs(a-float64(p)*f))
				want32 = max(want32, math.Abs(a-float64(p)*float64(f32[j])))
			}
		}
		got, got32 := rep.Value(MetricAngle, NameCompat, b), rep.Value(MetricAngleF32, NameCompat, b)
		if math.Abs(got-want) > 1.2e-7 || math.Abs(got32-want32) > 1.2e-7 {
			t.Errorf("positions %s: angle %g, angle_f32 %g; formula %g, %g", bk, got, got32, want, want32)
		}
	}
}

// TestAuditDetectsBrokenInvariance gives a pipeline an extra angle ε from
// position p0 on. A common extra angle cancels in q·k, so dev must be
// float64 noise wherever q and k are both below or both at or above p0,
// and between ε/100 and ε (|qᵀ(R(θ+ε) − R(θ))k| ≤ ε‖q‖‖k‖) in the
// buckets where some (m, m+Δ) straddles p0. The angle metric is ε from
// p0 on.
func TestAuditDetectsBrokenInvariance(t *testing.T) {
	const eps, p0 = 1e-3, 5000
	pipe := testPipe{"step", func(p int32) float64 {
		if p >= p0 {
			return eps
		}
		return 0
	}}
	rep, err := Audit(AuditOptions{Rotary: gateRotary(), MaxPos: 1 << 16, Pipelines: []Pipeline{pipe}, Study: StudyOptions{Skip: true}})
	if err != nil {
		t.Fatal(err)
	}
	shifts := []int32{1, 16, 255, 4096}
	crossings := 0
	for b, bk := range rep.Buckets {
		crossing := false
		for _, m := range bk.Positions {
			for _, d := range shifts {
				crossing = crossing || (m < p0) != (m+d < p0)
			}
		}
		for _, metric := range []string{MetricDev, MetricDevSelf} {
			v := rep.Value(metric, "step", b)
			if crossing && !(v >= eps/100 && v <= eps) {
				t.Errorf("positions %s straddle %d: %s = %g, want in [%g, %g]", bk, p0, metric, v, eps/100, eps)
			}
			if !crossing && !(v < 1e-12) {
				t.Errorf("positions %s: %s = %g, want float64 noise (< 1e-12)", bk, metric, v)
			}
		}
		if crossing {
			crossings++
		}
		a := rep.Value(MetricAngle, "step", b)
		// θ+ε is rounded once in float64: |θ|·2^-53 ≤ 1e-11 rad up to 2^16.
		if bk.Lo >= p0 && math.Abs(a-eps) > 1e-10 || bk.Hi <= p0 && a > 1e-10 {
			t.Errorf("positions %s: angle %g", bk, a)
		}
	}
	if crossings == 0 {
		t.Fatal("no bucket straddles p0: the test checks nothing")
	}
}

// shiftPipe rounds the exact rotation correctly to dt, then moves the
// first element of every vector one value up: a mismatch fraction of
// exactly 1/Dim.
type shiftPipe struct{ testPipe }

func (s shiftPipe) Rotate(r *ops.Rotary, dt ops.DType, pos []int32, heads int, x []float32) ([]float64, error) {
	y, err := s.testPipe.Rotate(r, dt, pos, heads, x)
	for i := range y {
		y[i] = float64(RoundFromFloat64(dt, y[i]))
	}
	for o := 0; o < len(y); o += r.HeadDim {
		v := float32(y[o])
		y[o] = float64(BF16FromBits(uint16(BF16FromFloat32(v)) + 1).Float32())
	}
	return y, err
}

func TestAuditMismatchFraction(t *testing.T) {
	r := gateRotary()
	exact := testPipe{"exact", func(int32) float64 { return 0 }}
	rep, err := Audit(AuditOptions{Rotary: r, MaxPos: 1 << 10, Pipelines: []Pipeline{exact, shiftPipe{testPipe{"shifted", exact.extra}}},
		Study: StudyOptions{Skip: true}})
	if err != nil {
		t.Fatal(err)
	}
	for b, bk := range rep.Buckets {
		if m := rep.Value(MetricMismatch, "exact", b); m != 0 {
			t.Errorf("positions %s: the correctly rounded pipeline has mismatch %g", bk, m)
		}
		if m, want := rep.Value(MetricMismatch, "shifted", b), 1/float64(r.Dim); m != want {
			t.Errorf("positions %s: mismatch %g, want exactly %g", bk, m, want)
		}
	}
}

// TestAuditF32Outputs: with float32 outputs (the paper's Float32 condition) the
// float64-angle pipeline's invariance stays at float32 noise at every
// position while the float32-angle one grows with position, and the
// flags follow (normwise against 2^-24).
func TestAuditF32Outputs(t *testing.T) {
	rep, err := Audit(AuditOptions{Rotary: gateRotary(), MaxPos: 1 << 20, DType: ops.F32, Study: StudyOptions{Skip: true}})
	if err != nil {
		t.Fatal(err)
	}
	last := len(rep.Buckets) - 1
	accMax := rep.Max(MetricDevSelf, NameAccurate, 1<<20)
	if !(accMax < 1e-7) {
		t.Errorf("accurate f32 dev_self up to %g, want < 1e-7 everywhere", accMax)
	}
	if c := rep.Value(MetricDevSelf, NameCompat, last); !(c > 100*accMax) {
		t.Errorf("compat f32 dev_self at 2^20 is %g, want > 100 × accurate's %g", c, accMax)
	}
	for _, g := range rep.Gates() {
		if !g.Pass {
			t.Errorf("gate %s (%s) failed at f32: %s", g.Name, g.Subject, g.Detail)
		}
	}
	if !rep.Flagged[rep.PipelineIndex(NameCompat)][last] || rep.Flagged[rep.PipelineIndex(NameAccurate)][last] {
		t.Error("at 2^20 compat must be flagged and accurate not")
	}
}

// TestAuditDeterministic checks that the report does not depend on the
// number of workers, and that the seed changes the inputs.
func TestAuditDeterministic(t *testing.T) {
	opt := AuditOptions{Rotary: gateRotary(), MaxPos: 1 << 12, Study: StudyOptions{T: 64, LogitT: []int{16, 256}, Seeds: 2}}
	var out []string
	for _, w := range []int{1, 3} {
		opt.Workers = w
		rep, err := Audit(opt)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(js))
	}
	if out[0] != out[1] {
		t.Error("reports differ between 1 and 3 workers")
	}
	opt.Seed = 99
	rep, _ := Audit(opt)
	js, _ := json.Marshal(rep)
	if string(js) == out[0] {
		t.Error("a different seed gave the same report")
	}
}

func TestAuditOptionErrors(t *testing.T) {
	r := gateRotary()
	bad := *r
	bad.Dim = 3
	cases := []struct {
		name string
		opt  AuditOptions
		kind error
	}{
		{"nil rotary", AuditOptions{}, ops.ErrConfig},
		{"invalid rotary", AuditOptions{Rotary: &bad}, ops.ErrShape},
		{"negative max_pos", AuditOptions{Rotary: r, MaxPos: -1}, ops.ErrRange},
		{"huge max_pos", AuditOptions{Rotary: r, MaxPos: MaxAuditPos + 1}, ops.ErrRange},
		{"i32 dtype", AuditOptions{Rotary: r, DType: ops.I32}, ops.ErrDType},
		{"no pipelines", AuditOptions{Rotary: r, Pipelines: []Pipeline{}}, ops.ErrConfig},
		{"nil pipeline", AuditOptions{Rotary: r, Pipelines: []Pipeline{nil}}, ops.ErrConfig},
		{"duplicate names", AuditOptions{Rotary: r, Pipelines: []Pipeline{FP32(), FP32()}}, ops.ErrConfig},
		{"negative vectors", AuditOptions{Rotary: r, Vectors: -2}, ops.ErrRange},
		{"zero shift", AuditOptions{Rotary: r, Shifts: []int{0}}, ops.ErrRange},
		{"empty shifts", AuditOptions{Rotary: r, Shifts: []int{}}, ops.ErrConfig},
		{"long logit T", AuditOptions{Rotary: r, Study: StudyOptions{LogitT: []int{1 << 21}}}, ops.ErrRange},
		{"negative delta1", AuditOptions{Rotary: r, Study: StudyOptions{Delta1: []int{-1}}}, ops.ErrRange},
		{"bucket over memory", AuditOptions{Rotary: r, Positions: 4096, Vectors: 1024}, ops.ErrRange},
		{"bucket over MaxMemory", AuditOptions{Rotary: r, Positions: 16, Vectors: 8,
			MaxMemory: 16*8*int64(r.HeadDim)*AuditBytesPerValue - 1}, ops.ErrRange},
		{"negative MaxMemory", AuditOptions{Rotary: r, MaxMemory: -1}, ops.ErrRange},
	}
	for _, c := range cases {
		_, err := Audit(c.opt)
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.kind)
		}
	}
	// The memory checks come before any allocation: 4096×1024 vectors of
	// head_dim 64 would be 34 GB.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Audit(AuditOptions{Rotary: r, Positions: 4096, Vectors: 1024})
	runtime.ReadMemStats(&after)
	var ae *ops.ArgError
	if !errors.As(err, &ae) || ae.Arg != "positions×vectors" || after.TotalAlloc-before.TotalAlloc > 1<<20 {
		t.Errorf("over memory: %v after allocating %d bytes", err, after.TotalAlloc-before.TotalAlloc)
	}
	// A bucket that fits exactly runs.
	if _, err := Audit(AuditOptions{Rotary: r, MaxPos: 64, Positions: 2, Vectors: 1, Study: StudyOptions{Skip: true},
		MaxMemory: 2 * int64(r.HeadDim) * AuditBytesPerValue}); err != nil {
		t.Errorf("a bucket of exactly MaxMemory: %v", err)
	}
}

// failPipe fails every call with err.
type failPipe struct{ err error }

func (f failPipe) Name() string { return "fail" }
func (f failPipe) Tables(*ops.Rotary, ops.DType, []int32) ([]float64, []float64, error) {
	return nil, nil, f.err
}
func (f failPipe) Rotate(*ops.Rotary, ops.DType, []int32, int, []float32) ([]float64, error) {
	return nil, f.err
}

// TestAuditPipelineErrors: an unsupported pipeline leaves its metrics
// NaN (null in JSON); any other error stops the audit and is returned.
func TestAuditPipelineErrors(t *testing.T) {
	r := gateRotary()
	unsup := failPipe{ops.Errorf(ops.ErrUnsupported, "dtype", "bf16", "not here")}
	rep, err := Audit(AuditOptions{Rotary: r, MaxPos: 64, Pipelines: []Pipeline{FP32(), unsup},
		Study: StudyOptions{T: 32, LogitT: []int{8, 64}, Seeds: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Value(MetricAngle, "fail", 3); !math.IsNaN(v) {
		t.Errorf("unsupported pipeline angle = %g, want NaN", v)
	}
	for _, g := range rep.Gates() {
		if strings.Contains(g.Subject, "fail") || (g.Name == GatePosition0 && !g.Pass) {
			t.Errorf("gate %s judged the unsupported pipeline: %+v", g.Name, g)
		}
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if v := back.Value(MetricAngle, "fail", 3); !math.IsNaN(v) || !bytes.Contains(js, []byte("null")) {
		t.Errorf("NaN did not round-trip through JSON null: %g", v)
	}
	if a, b := back.Value(MetricAngle, NameFP32, 5), rep.Value(MetricAngle, NameFP32, 5); a != b {
		t.Errorf("JSON round trip changed %g to %g", b, a)
	}
	broken := failPipe{ops.Errorf(ops.ErrDevice, "device", 0, "lost")}
	if _, err := Audit(AuditOptions{Rotary: r, MaxPos: 64, Pipelines: []Pipeline{broken}}); !errors.Is(err, ops.ErrDevice) {
		t.Errorf("err = %v, want ErrDevice", err)
	}
}

func TestAuditWriters(t *testing.T) {
	rep, err := Audit(AuditOptions{Rotary: gateRotary(), MaxPos: 1 << 8, Study: StudyOptions{T: 32, LogitT: []int{8, 64}, Seeds: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := rep.WriteTable(&tb, "all"); err != nil {
		t.Fatal(err)
	}
	for _, want := range append(metricNames(), "positions", "256", "128-255", "Eq. 4", "Eq. 5", "gates:", "hf/bf16") {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if err := rep.WriteTable(&tb, "nonsense"); err == nil {
		t.Error("unknown metric accepted")
	}
	var cb bytes.Buffer
	if err := rep.WriteCSV(&cb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(cb.String()), "\n")
	s := rep.Study
	want := 1 + len(auditMetrics)*len(rep.Pipelines)*len(rep.Buckets) + len(s.Eq4)*len(s.Delta1)*2 + len(s.Eq5)*len(s.LogitT)
	if len(lines) != want {
		t.Errorf("CSV has %d lines, want %d", len(lines), want)
	}
	if lines[0] != "metric,unit,pipeline,config,x_lo,x_hi,value,flagged" {
		t.Errorf("CSV header %q", lines[0])
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{0: "0", math.NaN(): "-", 0.0123: "0.0123", 4.2e-8: "4.20e-08", 123456: "1.23e+05", 2.5: "2.5"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%g) = %q, want %q", v, got, want)
		}
	}
}
