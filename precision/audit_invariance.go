package precision

import "math"

// invariance holds the inputs of the relative-position metrics of one
// bucket: Vd random (q, k) pairs, q rotated at m+Δ and k at m for every
// sampled position m and shift Δ, plus q at Δ and k at 0 for the
// self-consistency baseline.
//
// Scores s = RoPE(q)·RoPE(k) are accumulated in float64 from the
// pipeline's outputs: FlashAttention's float32 accumulation would add
// about √d·2^-24 relative, below every 16-bit figure, and leaving it out
// lets the metric isolate RoPE's own error for f32 outputs.
type invariance struct {
	a          *auditor
	P, S, Vd   int       // positions, shifts, vector pairs
	qPos, kPos []int32   // rotation positions of q and k rows
	qx, kx     []float32 // the pairs tiled over those rows
	sRef       []float64 // [shift][v] exact s(0, Δ)
	norm       []float64 // [v] attn²‖q_v‖‖k_v‖
}

func (a *auditor) newInvariance(bi int) (*invariance, error) {
	r, dt := a.r, a.dt
	pos := a.buckets[bi].Positions
	rng := auditRand(a.opt.Seed, streamInvariance, bi)
	in := &invariance{a: a, P: len(pos), S: len(a.opt.Shifts), Vd: max(1, a.opt.Vectors/2)}
	q := gaussVectors(rng, in.Vd, r.HeadDim, dt)
	k := gaussVectors(rng, in.Vd, r.HeadDim, dt)
	for _, m := range pos {
		for _, d := range a.opt.Shifts {
			in.qPos = append(in.qPos, m+int32(d))
		}
	}
	for _, d := range a.opt.Shifts {
		in.qPos = append(in.qPos, int32(d))
	}
	in.kPos = append(append(in.kPos, pos...), 0)
	in.qx, in.kx = auditTile(q, len(in.qPos)), auditTile(k, len(in.kPos))

	shifts := in.qPos[in.P*in.S:]
	yq, err := a.exact.Rotate(r, dt, shifts, in.Vd, auditTile(q, in.S))
	if err != nil {
		return nil, err
	}
	yk, err := a.exact.Rotate(r, dt, []int32{0}, in.Vd, k)
	if err != nil {
		return nil, err
	}
	hd := r.HeadDim
	in.sRef = make([]float64, in.S*in.Vd)
	for si := range in.S {
		for v := range in.Vd {
			in.sRef[si*in.Vd+v] = auditDot64(yq[(si*in.Vd+v)*hd:][:hd], yk[v*hd:][:hd])
		}
	}
	attn2 := r.AttentionFactor * r.AttentionFactor
	for v := range in.Vd {
		qv, kv := q[v*hd:(v+1)*hd], k[v*hd:(v+1)*hd]
		in.norm = append(in.norm, attn2*math.Sqrt(auditDot32(qv, qv)*auditDot32(kv, kv)))
	}
	return in, nil
}

// metrics fills dev and dev_self for pipeline p.
func (in *invariance) metrics(p Pipeline, m []float64) error {
	r, dt := in.a.r, in.a.dt
	yq, err := p.Rotate(r, dt, in.qPos, in.Vd, in.qx)
	if err != nil {
		return err
	}
	yk, err := p.Rotate(r, dt, in.kPos, in.Vd, in.kx)
	if err != nil {
		return err
	}
	hd := r.HeadDim
	qrow := func(row, v int) []float64 { return yq[(row*in.Vd+v)*hd:][:hd] }
	krow := func(row, v int) []float64 { return yk[(row*in.Vd+v)*hd:][:hd] }
	self := make([]float64, in.S*in.Vd)
	for si := range in.S {
		for v := range in.Vd {
			self[si*in.Vd+v] = auditDot64(qrow(in.P*in.S+si, v), krow(in.P, v))
		}
	}
	var dev, devSelf float64
	for mi := range in.P {
		for si := range in.S {
			for v := range in.Vd {
				s := auditDot64(qrow(mi*in.S+si, v), krow(mi, v))
				dev = max(dev, math.Abs(s-in.sRef[si*in.Vd+v])/in.norm[v])
				devSelf = max(devSelf, math.Abs(s-self[si*in.Vd+v])/in.norm[v])
			}
		}
	}
	m[metricIndex(MetricDev)] = dev
	m[metricIndex(MetricDevSelf)] = devSelf
	return nil
}

// sinkMetrics fills attn_diff and sink_share: the Eq. 4 analogue D(m, Δ2)
// of the audit's short sink sequence placed at the bucket's first and
// last positions m, against the same sequence at Δ2.
func (a *auditor) sinkMetrics(p Pipeline, bi int, m []float64) error {
	bk, d2, L, hd := a.buckets[bi], a.opt.Study.Delta2, a.opt.SeqLen, a.r.HeadDim
	var shifts []int
	for _, s := range []int{bk.Lo, bk.Hi - 1} {
		if s != d2 && (len(shifts) == 0 || shifts[0] != s) {
			shifts = append(shifts, s)
		}
	}
	shifts = append(shifts, d2) // the baseline, last
	qs, ks := make([][]float64, len(shifts)), make([][]float64, len(shifts))
	for i, s := range shifts {
		y, err := p.Rotate(a.r, a.dt, shiftedPositions(s, L), 2, a.seq)
		if err != nil {
			return err
		}
		qs[i], ks[i] = auditSplitHeads(y, L, hd)
	}
	D, col0 := attnDiffs(qs, ks, len(shifts)-1, L, hd, nil)
	var sd, sc float64
	for i := range len(shifts) - 1 {
		sd += D[i]
		sc += col0[i]
	}
	m[metricIndex(MetricAttnDiff)] = sd / float64(len(shifts)-1)
	m[metricIndex(MetricSinkShare)] = auditShare(sc, sd)
	return nil
}

// auditShare returns part/whole, NaN when whole is 0.
func auditShare(part, whole float64) float64 {
	if whole == 0 {
		return auditNaN
	}
	return part / whole
}

// auditSplitHeads separates a [T][2][hd] array into its head-0 and head-1
// rows, each [T][hd].
func auditSplitHeads(y []float64, T, hd int) (h0, h1 []float64) {
	h0, h1 = make([]float64, T*hd), make([]float64, T*hd)
	for t := range T {
		copy(h0[t*hd:(t+1)*hd], y[2*t*hd:])
		copy(h1[t*hd:(t+1)*hd], y[(2*t+1)*hd:])
	}
	return h0, h1
}

// auditDot64 returns Σ a[i]·b[i] in float64, summed in four fixed lanes.
func auditDot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// auditDot32 returns Σ a[i]·b[i] in float64.
func auditDot32(a, b []float32) float64 {
	s := 0.0
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}
