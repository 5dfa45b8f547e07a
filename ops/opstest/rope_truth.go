package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// ropeInput is one RoPE case: a schedule, a dtype, positions and the
// exact (already dtype-rounded) values of q [T, hq, D] and k [T, hk, D].
type ropeInput struct {
	rot    *ops.Rotary
	dt     ops.DType
	pos    []int32
	hq, hk int
	q, k   []float64
}

// newRoPEInput draws q and k from N(0, 1), every fifth head scaled by 64
// (a "sink"-like large vector), rounded to dt.
func newRoPEInput(rot *ops.Rotary, dt ops.DType, pos []int32, hq, hk int, seed uint64) *ropeInput {
	in := &ropeInput{rot: rot, dt: dt, pos: pos, hq: hq, hk: hk}
	gen := func(seed uint64, heads int) []float64 {
		x := randNormal(seed, len(pos)*heads*rot.HeadDim)
		for i := range x {
			if (i/rot.HeadDim)%5 == 4 {
				x[i] *= 64
			}
		}
		return roundAll(dt, x)
	}
	in.q = gen(seed, hq)
	if hk > 0 {
		in.k = gen(seed+1, hk)
	}
	return in
}

// tensors uploads the input; k is nil when hk is 0.
func (in *ropeInput) tensors(t testing.TB, b ops.Backend) (q, k, pos *ops.Tensor) {
	t.Helper()
	T, D := len(in.pos), in.rot.HeadDim
	q = upload(t, b, in.dt, in.q, T, in.hq, D)
	if in.hk > 0 {
		k = upload(t, b, in.dt, in.k, T, in.hk, D)
	}
	pos = uploadI32(t, b, in.pos, T)
	return q, k, pos
}

// run rotates the input on b and returns the outputs (k nil when hk is 0).
func (in *ropeInput) run(t testing.TB, b ops.Backend, mode ops.AngleMode) (q, k []float64) {
	t.Helper()
	qt, kt, pt := in.tensors(t, b)
	defer free(b, qt, kt, pt)
	if err := b.RoPE(&ops.RoPEArgs{Q: qt, K: kt, Positions: pt, Rotary: in.rot, Angles: mode}); err != nil {
		t.Fatalf("RoPE: %v", err)
	}
	q = download(t, b, qt)
	if kt != nil {
		k = download(t, b, kt)
	}
	return q, k
}

// truthCosSin returns, for every pair j, AttentionFactor·cos θ and
// AttentionFactor·sin θ of the exact angle θ = p·InvFreq[j]: the real
// product of the position and the float64 frequency, not its float64
// rounding (which is off by up to 2^-53·θ, about 2^-22 rad near 2^31,
// more than a float32 kernel's own error). θ = hi + lo with hi the
// rounded product and lo = fma(p, f, −hi) its exact remainder
// (|lo| ≤ 2^-22), so to float64 accuracy
//
//	cos θ = cos hi·(1 − lo²/2) − sin hi·lo
//	sin θ = sin hi·(1 − lo²/2) + cos hi·lo
//
// with cos hi and sin hi from the standard library's math.Sincos.
func truthCosSin(r *ops.Rotary, p int32) (c, s []float64) {
	c, s = make([]float64, r.Pairs()), make([]float64, r.Pairs())
	for j, f := range r.InvFreq {
		hi := float64(p) * f
		lo := math.FMA(float64(p), f, -hi)
		sh, ch := math.Sincos(hi)
		k := 1 - lo*lo/2
		c[j] = r.AttentionFactor * (ch*k - sh*lo)
		s[j] = r.AttentionFactor * (sh*k + ch*lo)
	}
	return c, s
}

// truthHead rotates one head x in float64 with truthCosSin's c and s (no
// rounding of the result): y_a = x_a·c − x_b·s, y_b = x_b·c + x_a·s for
// each pair, the tail copied. It is precision.RefRoPE's loop with the
// exact angle.
func truthHead(r *ops.Rotary, c, s, x, y []float64) {
	copy(y, x)
	for j := range c {
		ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
		a, b := x[ia], x[ib]
		y[ia] = a*c[j] - b*s[j]
		y[ib] = b*c[j] + a*s[j]
	}
}

// hfHead is Hugging Face's float32 rotary pipeline for one head, written
// out independently: angle float32(p)·inv_freq_f32 rounded to float32,
// cos and sin of it correctly rounded to float32 and multiplied by the
// float32 attention scaling, then q·cos + rotate_half(q)·sin in float32
// (rotate_every_two for GPT-J), rounded once to dt.
func hfHead(r *ops.Rotary, dt ops.DType, p int32, x, y []float64) {
	inv := r.F32()
	half := r.Dim / 2
	cosT, sinT := make([]float32, r.Dim), make([]float32, r.Dim) // emb = cat(freqs, freqs)
	rh := make([]float32, r.Dim)
	scale := float32(r.AttentionFactor)
	for j := 0; j < half; j++ {
		ang := float32(float32(p) * inv[j])
		sn, cs := math.Sincos(float64(ang))
		c, s := float32(cs)*scale, float32(sn)*scale
		ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
		cosT[ia], cosT[ib], sinT[ia], sinT[ib] = c, c, s, s
		rh[ia], rh[ib] = -float32(x[ib]), float32(x[ia])
	}
	copy(y, x)
	for i := 0; i < r.Dim; i++ {
		qc := float32(float32(x[i]) * cosT[i])
		rs := float32(rh[i] * sinT[i])
		y[i] = float64(narrow32(dt, qc+rs))
	}
}

// fp32Bound bounds |out − y| for the output out ≈ a·c ∓ b·s of the
// accurate pipeline in float32 (a is the pair member the output replaces,
// b the other): cos and sin rounded once (relative u each), two products
// rounded (u each), one sum rounded (u), with u = 2^-24:
//
//	u·(2(|a||c| + |b||s|) + attn·hypot(a, b))·(1+4u)
//
// plus 2^-50·attn·(|a|+|b|) for the float64 truth's own error. c and s
// include the attention factor.
func fp32Bound(a, b, c, s, attn float64) float64 {
	const u = 0x1p-24
	return u*(2*(math.Abs(a)*math.Abs(c)+math.Abs(b)*math.Abs(s))+attn*math.Hypot(a, b))*(1+4*u) +
		0x1p-50*attn*(math.Abs(a)+math.Abs(b))
}

// accuracy accumulates how an accurate-mode output compares with the
// float64 truth.
type accuracy struct {
	n, mismatch int     // rotated outputs; 16-bit outputs ≠ correctly rounded truth
	maxRel      float64 // max |out − y| / bound
	fails       int
}

// checkHeads compares out (rotated by the backend in accurate mode) with
// the float64 truth of in (truthHead), for heads [T, H, D]. F32 outputs must lie
// within fp32Bound of the truth; BF16 and F16 outputs must lie between
// the correctly rounded truth±bound (so they are the correctly rounded
// truth or, only when the float32 pipeline is that close to a rounding
// boundary, its neighbour), and the mismatches are counted. Where the
// truth is NaN or infinite (non-finite inputs) the output must be NaN or
// the same infinity. Elements past Dim must be bit-identical to the input
// (a NaN any NaN).
func checkHeads(t testing.TB, what string, r *ops.Rotary, dt ops.DType, pos []int32, in, out []float64, acc *accuracy) {
	t.Helper()
	D := r.HeadDim
	if len(pos) == 0 || len(in) == 0 {
		return
	}
	H := len(in) / (len(pos) * D)
	y := make([]float64, D)
	for ti, p := range pos {
		c, s := truthCosSin(r, p)
		for h := 0; h < H; h++ {
			base := (ti*H + h) * D
			x, o := in[base:base+D], out[base:base+D]
			truthHead(r, c, s, x, y)
			for i := r.Dim; i < D; i++ {
				if math.Float64bits(o[i]) != math.Float64bits(x[i]) && !(math.IsNaN(o[i]) && math.IsNaN(x[i])) {
					acc.fail(t, "%s: token %d (pos %d) head %d elem %d: tail changed %v → %v", what, ti, p, h, i, x[i], o[i])
				}
			}
			for j := range c {
				ia, ib := ops.PairIndex(r.Layout, r.Dim, j)
				for k, i := range [2]int{ia, ib} {
					e := fp32Bound(x[ia], x[ib], c[j], s[j], r.AttentionFactor)
					if k == 1 {
						e = fp32Bound(x[ib], x[ia], c[j], s[j], r.AttentionFactor)
					}
					acc.n++
					if !finite(y[i]) { // a NaN or infinite input: the same class out
						if !sameNonFinite(o[i], y[i]) {
							acc.fail(t, "%s: token %d (pos %d) head %d elem %d: got %v, truth %v", what, ti, p, h, i, o[i], y[i])
						}
						continue
					}
					err := math.Abs(o[i] - y[i])
					if dt == ops.F32 {
						acc.maxRel = math.Max(acc.maxRel, err/e)
						if !(err <= e) {
							acc.fail(t, "%s: token %d (pos %d) head %d elem %d: got %v, truth %v, |err| %.3g > bound %.3g",
								what, ti, p, h, i, o[i], y[i], err, e)
						}
						continue
					}
					want := roundTo(dt, y[i])
					if o[i] != want {
						acc.mismatch++
					}
					lo, hi := roundTo(dt, y[i]-e), roundTo(dt, y[i]+e)
					if !(lo <= o[i] && o[i] <= hi) {
						acc.fail(t, "%s: token %d (pos %d) head %d elem %d: got %v, correctly rounded truth %v (truth %v ± %.3g)",
							what, ti, p, h, i, o[i], want, y[i], e)
					}
				}
			}
		}
	}
}

// fail reports the first few failures of a case.
func (a *accuracy) fail(t testing.TB, format string, args ...any) {
	t.Helper()
	a.fails++
	if a.fails <= 5 {
		t.Errorf(format, args...)
	}
}
