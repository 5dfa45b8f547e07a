package precision

import (
	"fmt"
	"math"
)

// bucket measures every pipeline on bucket bi and returns
// vals[pipeline][metric].
func (a *auditor) bucket(bi int) ([][]float64, error) {
	r, dt := a.r, a.dt
	pos := a.buckets[bi].Positions
	V := a.opt.Vectors
	x := gaussVectors(auditRand(a.opt.Seed, streamVectors, bi), len(pos)*V, r.HeadDim, dt)
	refs, err := a.bucketRefs(pos, V, x)
	if err != nil {
		return nil, err
	}
	inv, err := a.newInvariance(bi)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(a.pipes))
	for i, p := range a.pipes {
		m := make([]float64, len(auditMetrics))
		for k := range m {
			m[k] = auditNaN
		}
		steps := []func(Pipeline, []float64) error{
			func(p Pipeline, m []float64) error { return a.angleMetrics(p, pos, refs, m) },
			func(p Pipeline, m []float64) error { return a.rotationMetrics(p, pos, V, x, refs, m) },
			func(p Pipeline, m []float64) error { return inv.metrics(p, m) },
			func(p Pipeline, m []float64) error { return a.sinkMetrics(p, bi, m) },
		}
		for _, step := range steps {
			if err := step(p, m); err != nil && !auditUnsupported(err) {
				return nil, fmt.Errorf("pipeline %s, positions %v: %w", p.Name(), a.buckets[bi], err)
			}
		}
		out[i] = m
	}
	return out, nil
}

// bucketRefs holds the float64 references of one bucket.
type bucketRefs struct {
	cE, sE, cF, sF []float64 // exact and f32-ref tables
	yE, yF         []float64 // exact and f32-ref rotations of x
}

func (a *auditor) bucketRefs(pos []int32, V int, x []float32) (*bucketRefs, error) {
	var b bucketRefs
	var err error
	if b.cE, b.sE, err = a.exact.Tables(a.r, a.dt, pos); err != nil {
		return nil, err
	}
	if b.cF, b.sF, err = a.ref32.Tables(a.r, a.dt, pos); err != nil {
		return nil, err
	}
	if b.yE, err = a.exact.Rotate(a.r, a.dt, pos, V, x); err != nil {
		return nil, err
	}
	if b.yF, err = a.ref32.Rotate(a.r, a.dt, pos, V, x); err != nil {
		return nil, err
	}
	return &b, nil
}

// angleMetrics fills angle, angle_f32 and table.
func (a *auditor) angleMetrics(p Pipeline, pos []int32, ref *bucketRefs, m []float64) error {
	c, s, err := p.Tables(a.r, a.dt, pos)
	if err != nil {
		return err
	}
	m[metricIndex(MetricAngle)] = maxAngleErr(c, s, ref.cE, ref.sE)
	m[metricIndex(MetricAngleF32)] = maxAngleErr(c, s, ref.cF, ref.sF)
	m[metricIndex(MetricTable)] = max(MaxAbs(c, ref.cE), MaxAbs(s, ref.sE))
	return nil
}

// maxAngleErr returns max |atan2(s·cr − c·sr, c·cr + s·sr)|: the angle of
// the rotation that takes the reference (cr, sr) to (c, s), whatever
// their common scale.
func maxAngleErr(c, s, cr, sr []float64) float64 {
	m := 0.0
	for i := range c {
		d := math.Abs(math.Atan2(s[i]*cr[i]-c[i]*sr[i], c[i]*cr[i]+s[i]*sr[i]))
		if d != d {
			return d
		}
		m = max(m, d)
	}
	return m
}

// rotationMetrics fills mismatch, mismatch_f32, normwise, normwise_f32
// and drift from the pipeline's rotation of x.
func (a *auditor) rotationMetrics(p Pipeline, pos []int32, V int, x []float32, ref *bucketRefs, m []float64) error {
	y, err := p.Rotate(a.r, a.dt, pos, V, x)
	if err != nil {
		return err
	}
	hd, dim, attn := a.r.HeadDim, a.r.Dim, a.r.AttentionFactor
	u := unitRoundoff(a.dt)
	var misE, misF, total int
	var nwE, nwF, drift float64
	for o := 0; o < len(x); o += hd {
		xv, yv := x[o:o+hd], y[o:o+hd]
		scale := attn * RMS(xv) * u
		var nx, ny float64
		for k := range dim {
			g := RoundFromFloat64(a.dt, yv[k])
			if g != RoundFromFloat64(a.dt, ref.yE[o+k]) {
				misE++
			}
			if g != RoundFromFloat64(a.dt, ref.yF[o+k]) {
				misF++
			}
			if scale > 0 {
				nwE = max(nwE, math.Abs(yv[k]-ref.yE[o+k])/scale)
				nwF = max(nwF, math.Abs(yv[k]-ref.yF[o+k])/scale)
			}
			nx += float64(xv[k]) * float64(xv[k])
			ny += yv[k] * yv[k]
		}
		total += dim
		if nx > 0 {
			drift = max(drift, math.Abs(math.Sqrt(ny/nx)/attn-1))
		}
	}
	m[metricIndex(MetricMismatch)] = float64(misE) / float64(total)
	m[metricIndex(MetricMismatchF32)] = float64(misF) / float64(total)
	m[metricIndex(MetricNormwise)] = nwE
	m[metricIndex(MetricNormwiseF32)] = nwF
	m[metricIndex(MetricDrift)] = drift
	return nil
}
