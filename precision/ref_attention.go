package precision

import (
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// RefAttentionArgs is one softmax-attention problem for RefAttention, in
// float64, laid out as ops.AttentionArgs: Q [Tq, Hq, D], K [S, Hk, D],
// V [S, Hk, Dv], all dense. Input values are the exact values a backend
// reads (already rounded to the tensor dtype).
type RefAttentionArgs struct {
	Tq, Hq, Hk, S, D, Dv int
	Q, K, V              []float64
	// Indices (nil: the dense slot range [Start, End), End 0 = S) holds
	// rows of width W with -1 padding, shaped by Granularity.
	Indices     []int32
	W           int
	Granularity ops.Granularity
	Start, End  int
	// QPos [Tq] and KPos [S] (both or neither) mask slot s for query t
	// unless KPos[s] ≤ QPos[t].
	QPos, KPos []int32
	// QDoc [Tq] and KDoc [S] (both or neither) mask slot s for query t
	// unless KDoc[s] == QDoc[t] or KDoc[s] == -1 (an anchor).
	QDoc, KDoc []int32
	// Scale multiplies q·k (0: 1/√D); LogN > 0 multiplies the logits of
	// query t by ops.LogNScale(QPos[t], LogN); SoftCap > 0 then maps x
	// to SoftCap·tanh(x/SoftCap); Sinks [Hq] join the denominator.
	Scale, SoftCap float64
	LogN           int32
	Sinks          []float64
	// RoPE rotates q and the keys as ops.KeyRoPE defines.
	RoPE *ops.KeyRoPE
}

// RefAttentionResult holds RefAttention's outputs.
type RefAttentionResult struct {
	// O [Tq, Hq, Dv] and LSE [Tq, Hq] (natural log) are the exact
	// attention outputs.
	O, LSE []float64
	// Mag [Tq, Hq, Dv] is Σ_s p_s·|v[s]|, the magnitude against which an
	// evaluation's rounding error of O is measured (it bounds |O| and is
	// the condition scale of the weighted sum).
	Mag []float64
	// Visible [Tq, Hq] counts the keys each output row attended.
	Visible []int
}

// RefAttention computes softmax attention in float64 exactly as the
// ops.AttentionArgs documentation defines it: for each query token and
// head, the logits of the visible selected slots (each occurrence of a
// duplicated slot counts as its own key), a two-pass max-subtracted
// softmax with the sink in the denominator, and the weighted sum of the
// value rows. Rows without a visible key give O = 0 and LSE = -Inf (or
// the sink). In-op RoPE rotates float32 copies of q and k with
// RotatePair and the AccurateCosSin or CompatCosSin angles, the float32
// arithmetic that definition prescribes; with ops.KeyPosDualChunk each
// key meets the copy of q rotated for its chunk class. Everything else is
// float64.
func RefAttention(a *RefAttentionArgs) *RefAttentionResult {
	Tq, Hq, Hk, D, Dv := a.Tq, a.Hq, a.Hk, a.D, a.Dv
	g := Hq / Hk
	scale := a.Scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(D))
	}
	res := &RefAttentionResult{
		O:       make([]float64, Tq*Hq*Dv),
		LSE:     make([]float64, Tq*Hq),
		Mag:     make([]float64, Tq*Hq*Dv),
		Visible: make([]int, Tq*Hq),
	}
	dca := a.RoPE != nil && a.RoPE.KeyPos == ops.KeyPosDualChunk
	// qs holds the query (rotated), or for Dual Chunk Attention one
	// rotated copy per chunk class.
	variants := 1
	if dca {
		variants = 3
	}
	var qs [3][]float64
	for c := range qs {
		qs[c] = make([]float64, D)
	}
	k := make([]float64, D)
	var slots []int32
	var logits []float64
	var masked []bool
	for t := range Tq {
		lambda := 1.0
		if a.LogN > 0 {
			lambda = ops.LogNScale(a.QPos[t], a.LogN)
		}
		for kv := range Hk {
			slots = a.AppendRow(slots[:0], t, kv)
			n := 0
			for _, s := range slots {
				if s >= 0 {
					n++
				}
			}
			for h := kv * g; h < (kv+1)*g; h++ {
				q := a.Q[(t*Hq+h)*D : (t*Hq+h+1)*D]
				var qpos int32
				copy(qs[0], q)
				if a.RoPE != nil {
					qpos = refQueryPos(a, t, n)
					for c := range variants {
						copy(qs[c], q)
						refRotate(a.RoPE, qs[c], refRotationQueryPos(a.RoPE, qpos, c))
					}
				}
				logits, masked = logits[:0], masked[:0]
				rank := int32(0)
				for _, s := range slots {
					if s < 0 {
						continue
					}
					r := rank
					rank++
					if !refVisible(a, t, s) {
						logits, masked = append(logits, math.Inf(-1)), append(masked, true)
						continue
					}
					masked = append(masked, false)
					copy(k, a.K[(int(s)*Hk+kv)*D:(int(s)*Hk+kv+1)*D])
					qr := qs[0]
					if a.RoPE != nil {
						refRotate(a.RoPE, k, refKeyPos(a, t, s, r, qpos))
						if dca {
							qr = qs[a.RoPE.Chunk.Class(qpos, a.KPos[s])]
						}
					}
					x := 0.0
					for i := range D {
						x += qr[i] * k[i]
					}
					x *= scale * lambda
					if a.SoftCap > 0 {
						x = a.SoftCap * math.Tanh(x/a.SoftCap)
					}
					logits = append(logits, x)
				}
				refSoftmaxRow(a, res, t, h, kv, slots, logits, masked)
			}
		}
	}
	return res
}

// refSoftmaxRow finishes output row (t, h) from the logits of the
// non-padding entries of slots (masked ones flagged). A key the row sees
// counts even when its logit is -Inf (weight 0): a NaN in its value row
// makes O NaN (0·NaN), as ops.AttentionArgs defines; a row whose seen
// logits are all -Inf is empty.
func refSoftmaxRow(a *RefAttentionArgs, res *RefAttentionResult, t, h, kv int, slots []int32, logits []float64, masked []bool) {
	Hq, Hk, Dv := a.Hq, a.Hk, a.Dv
	sink := math.Inf(-1)
	if a.Sinks != nil {
		sink = a.Sinks[h]
	}
	mk := math.Inf(-1) // the maximum of the seen logits (NaN if one is)
	vis := 0
	for i, x := range logits {
		if !masked[i] {
			mk = max(mk, x)
			if !math.IsInf(x, -1) {
				vis++
			}
		}
	}
	m := max(mk, sink)
	row := t*Hq + h
	res.Visible[row] = vis
	if math.IsInf(m, -1) {
		res.LSE[row] = math.Inf(-1)
		return
	}
	den := 0.0
	if !math.IsInf(sink, -1) {
		den = math.Exp(sink - m)
	}
	o := res.O[row*Dv : (row+1)*Dv]
	mag := res.Mag[row*Dv : (row+1)*Dv]
	i := 0
	for _, s := range slots {
		if s < 0 {
			continue
		}
		x, hidden := logits[i], masked[i]
		i++
		if hidden || math.IsInf(mk, -1) {
			continue
		}
		p := math.Exp(x - m)
		den += p
		v := a.V[(int(s)*Hk+kv)*Dv : (int(s)*Hk+kv+1)*Dv]
		for d := range Dv {
			o[d] += p * v[d]
			mag[d] += p * math.Abs(v[d])
		}
	}
	for d := range Dv {
		o[d] /= den
		mag[d] /= den
	}
	res.LSE[row] = m + math.Log(den)
}

// AppendRow appends the selection row of query token t and kv head kv to
// dst: its index row (padding included), or the slots of the dense range.
func (a *RefAttentionArgs) AppendRow(dst []int32, t, kv int) []int32 {
	if a.Indices == nil {
		end := a.End
		if end == 0 {
			end = a.S
		}
		for s := a.Start; s < end; s++ {
			dst = append(dst, int32(s))
		}
		return dst
	}
	r := 0
	switch a.Granularity {
	case ops.PerKVHead:
		r = kv
	case ops.PerQuery:
		r = t*a.Hk + kv
	}
	return append(dst, a.Indices[r*a.W:(r+1)*a.W]...)
}

// refQueryPos returns the rotation position of query t whose row has n
// non-padding entries, as ops.KeyRoPE defines it.
func refQueryPos(a *RefAttentionArgs, t, n int) int32 {
	r := a.RoPE
	if r.QueryPos > 0 {
		return r.QueryPos + int32(t)
	}
	if r.KeyPos != ops.KeyPosRank {
		return a.QPos[t]
	}
	p := n - 1
	if a.Indices == nil || a.Granularity != ops.PerQuery {
		p = n - a.Tq + t
	}
	return int32(max(p, 0))
}

// refKeyPos returns the rotation position of slot s, the entry of rank r
// in its row, for a query at qpos.
func refKeyPos(a *RefAttentionArgs, t int, s, r, qpos int32) int32 {
	switch a.RoPE.KeyPos {
	case ops.KeyPosOriginal:
		return a.KPos[s]
	case ops.KeyPosCapped:
		return max(a.KPos[s], qpos-a.RoPE.Cap)
	case ops.KeyPosDualChunk:
		return a.RoPE.Chunk.KeyPos(a.KPos[s])
	}
	return r
}

// refRotationQueryPos returns the position the query at qpos is rotated
// at against keys of chunk class c (Dual Chunk Attention), or qpos.
func refRotationQueryPos(r *ops.KeyRoPE, qpos int32, c int) int32 {
	if r.KeyPos == ops.KeyPosDualChunk {
		return r.Chunk.QueryPos(qpos, c)
	}
	return qpos
}

// refVisible reports whether slot s passes query t's causal and
// document masks.
func refVisible(a *RefAttentionArgs, t int, s int32) bool {
	if a.QPos != nil && a.KPos[s] > a.QPos[t] {
		return false
	}
	if a.QDoc != nil && a.KDoc[s] != a.QDoc[t] && a.KDoc[s] != -1 {
		return false
	}
	return true
}

// refRotate rotates x (one head, values exactly representable in
// float32) at position pos with RotatePair in float32.
func refRotate(r *ops.KeyRoPE, x []float64, pos int32) {
	rot := r.Rotary
	f32 := rot.F32()
	for j := range rot.Pairs() {
		var c, s float32
		if r.Angles == ops.Compat {
			c, s = CompatCosSin(pos, f32[j], rot.AttentionFactor)
		} else {
			c, s = AccurateCosSin(pos, rot.InvFreq[j], rot.AttentionFactor)
		}
		i0, i1 := ops.PairIndex(rot.Layout, rot.Dim, j)
		a, b := RotatePair(float32(x[i0]), float32(x[i1]), c, s)
		x[i0], x[i1] = float64(a), float64(b)
	}
}

// RefMerge combines two attention results over disjoint key sets, O1 and
// O2 [rows, dv] with natural-log LSE1 and LSE2 [rows], into the result
// over their union, in float64: with m = max(LSE1, LSE2),
// O = (e^(LSE1-m) O1 + e^(LSE2-m) O2) / (e^(LSE1-m) + e^(LSE2-m)) and
// LSE = m + log(e^(LSE1-m) + e^(LSE2-m)). A side whose LSE is -Inf (an
// empty key set) has weight 0 and its O is not read; a row whose two LSEs
// are -Inf gives O = 0 and LSE = -Inf; a NaN LSE makes the row NaN.
func RefMerge(o1, lse1, o2, lse2 []float64, dv int) (o, lse []float64) {
	rows := len(lse1)
	o = make([]float64, rows*dv)
	lse = make([]float64, rows)
	for r := range rows {
		m := max(lse1[r], lse2[r])
		if math.IsInf(m, -1) {
			lse[r] = m
			continue
		}
		w1, w2 := math.Exp(lse1[r]-m), math.Exp(lse2[r]-m)
		for d := range dv {
			var x float64
			if !math.IsInf(lse1[r], -1) {
				x = w1 * o1[r*dv+d]
			}
			if !math.IsInf(lse2[r], -1) {
				x += w2 * o2[r*dv+d]
			}
			o[r*dv+d] = x / (w1 + w2)
		}
		lse[r] = m + math.Log(w1+w2)
	}
	return o, lse
}
