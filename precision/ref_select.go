package precision

import (
	"math"
	"slices"
	"sort"

	"github.com/rotorkernels/rotor/ops"
)

// RefScores computes the selection scores in float64:
// out[h, n] = scale·q[h]·k[slot_n, h/(Hq/Hk)] for one query q [Hq, D] over
// the candidate slots of a pool k [S, Hk, D] (a slot -1 scores -Inf), and
// each score's DotBound. out and bound are [Hq, len(slots)].
func RefScores(q, k []float64, Hq, Hk, D int, slots []int32, scale float64) (out, bound []float64) {
	N, g := len(slots), Hq/Hk
	out, bound = make([]float64, Hq*N), make([]float64, Hq*N)
	for h := range Hq {
		kv := h / g
		for n, s := range slots {
			if s < 0 {
				out[h*N+n] = math.Inf(-1)
				continue
			}
			dot, abs := 0.0, 0.0
			for d := range D {
				p := q[h*D+d] * k[(int(s)*Hk+kv)*D+d]
				dot += p
				abs += math.Abs(p)
			}
			out[h*N+n] = scale * dot
			bound[h*N+n] = DotBound(scale, abs, D, scale*dot)
		}
	}
	return out, bound
}

// log2eF32 is log2(e) rounded to float32, the constant the kernels
// multiply by before exp2.
const log2eF32 = float32(math.Log2E)

// RefCriticality computes TokenSelect's soft vote of float32 scores s
// [heads, n] in float64, out[i] = Σ_h softmax(s[h, :])[i] (NaN and -Inf
// weigh 0; a head with +Inf scores splits its weight equally among them;
// a head with no finite or +Inf score adds nothing), the number of heads
// that add weight, and each candidate's error bound.
//
// The bound follows the float32 arithmetic of the CUDA kernels
// (criticality.cu, crit_math.cuh), to first order in u = 2^-24 (the
// neglected terms are below 10^-3 of it for |x−m| < 200). For a head with
// finite maximum m:
//
//  1. Each term t = exp2f(fl(fl(x−m)·L)), L = float32(log2 e). The
//     exponent is (x−m)·log2(e)·(1+δ), |δ| ≤ u (the subtraction) + u (the
//     product) + 0.23u (L's representation error), so 2^exponent is off by
//     a relative ln2·log2(e)·|x−m|·2.23u = 2.23·|x−m|·u; exp2f adds at most
//     2 ulps (ex2.approx: relative 2^-22), 4u. Term error
//     e_t = (2.23·|x−m| + 4)·u.
//  2. The normaliser l = Σ t sums, in float32, each thread's terms (up to
//     ceil(n/256)), a warp butterfly (5 levels), 8 warp sums, then the
//     chunk sums scaled by exp2f(fl(fl(m_c−m)·L)) (at most ceil(n/1024)
//     chunks). A sum of positive terms each of which passes through at
//     most D roundings errs by at most D·u relatively, D = ceil(n/256) +
//     14 + ceil(n/1024). The terms' own errors add Σ p·e_t, and the chunk
//     scale adds as much again plus one rounding, since |m_c−m| ≤ |x−m|
//     for every x of chunk c: e_l = Σ_x p_x·(2·e_t(x) + u) + D·u.
//  3. The weight t·fl(1/l) adds two roundings: 2u.
//  4. The vote sums the heads' weights in float32: (heads−1)·u of their
//     sum.
//
// A head with +Inf scores weighs each fl(1/count): u, plus step 4. A term
// below 2^-126 may be flushed to zero: heads·2^-126 is added to every
// bound.
func RefCriticality(s []float64, heads, n int) (out, bound []float64, weighing int) {
	out, bound = make([]float64, n), make([]float64, n)
	sumErr := float64(heads - 1)
	lErr := float64((n+255)/256 + 14 + (n+1023)/1024)
	lRep := math.Abs(float64(log2eF32)-math.Log2E) / math.Log2E / U32
	termErr := func(d float64) float64 { return (2+lRep)*math.Abs(d) + 4 }
	for h := range heads {
		row := s[h*n : (h+1)*n]
		m, inf := math.Inf(-1), 0
		for _, x := range row {
			if x > m {
				m = x
			}
			if math.IsInf(x, 1) {
				inf++
			}
		}
		if math.IsInf(m, -1) {
			continue
		}
		weighing++
		if inf > 0 {
			for i, x := range row {
				if math.IsInf(x, 1) {
					out[i] += 1 / float64(inf)
					bound[i] += (1 + sumErr) * U32 / float64(inf)
				}
			}
			continue
		}
		l := 0.0
		for _, x := range row {
			if !math.IsNaN(x) {
				l += math.Exp(x - m)
			}
		}
		eL := lErr
		for _, x := range row {
			if !math.IsNaN(x) && !math.IsInf(x, -1) {
				eL += math.Exp(x-m) / l * (2*termErr(x-m) + 1)
			}
		}
		for i, x := range row {
			if !math.IsNaN(x) && !math.IsInf(x, -1) {
				p := math.Exp(x-m) / l
				out[i] += p
				bound[i] += p * (termErr(x-m) + eL + 2 + sumErr) * U32
			}
		}
	}
	for i := range bound {
		bound[i] += float64(heads) * 0x1p-126
	}
	return out, bound, weighing
}

// TopKOrder returns the non-NaN columns of row from the largest score
// down, ties (-0 against +0 included) toward the lower column: the order
// TopK selects in.
func TopKOrder(row []float64) []int {
	cols := make([]int, 0, len(row))
	for c, x := range row {
		if !math.IsNaN(x) {
			cols = append(cols, c)
		}
	}
	sort.SliceStable(cols, func(i, j int) bool { return row[cols[i]] > row[cols[j]] })
	return cols
}

// RefTopK is TopK's definition from a row's TopKOrder: its first k
// columns sorted ascending, -1 past the non-NaN scores, mapped through m
// when m is non-nil.
func RefTopK(order []int, k int, m []int32) []int32 {
	cols := slices.Clone(order[:min(k, len(order))])
	slices.Sort(cols)
	out := make([]int32, k)
	for i := range out {
		out[i] = -1
		if i < len(cols) {
			out[i] = int32(cols[i])
			if m != nil {
				out[i] = m[cols[i]]
			}
		}
	}
	return out
}

// RefPageMeta returns Quest's page metadata of keys k [S, Hk, D]: the
// element-wise minimum and maximum over the slots of each page of P
// slots below to, [ops.PageCount(S, P), Hk, D]; a page with no slot below
// to holds +Inf and -Inf. They are Go's min and max, under which a NaN
// wins over every value (math.Min and math.Max let an infinity win over
// a NaN). Backends must match it exactly.
func RefPageMeta(k []float64, S, Hk, D, P, to int) (mn, mx []float64) {
	pages := ops.PageCount(S, P)
	mn, mx = make([]float64, pages*Hk*D), make([]float64, pages*Hk*D)
	for i := range mn {
		mn[i], mx[i] = math.Inf(1), math.Inf(-1)
	}
	for s := range to {
		p := s / P
		for e := range Hk * D {
			x := k[s*Hk*D+e]
			mn[p*Hk*D+e] = min(mn[p*Hk*D+e], x)
			mx[p*Hk*D+e] = max(mx[p*Hk*D+e], x)
		}
	}
	return mn, mx
}

// RefPageScores computes Quest's page upper bounds in float64,
// out[h, p] = scale·Σ_d max(q[h,d]·mn[p,kv,d], q[h,d]·mx[p,kv,d]) with
// kv = h/(Hq/Hk), for the first pages pages of page metadata [·, Hk, D],
// and each value's DotBound. out and bound are [Hq, pages]. max is Go's:
// a NaN product (an infinite q element against a zero bound) wins over
// the other, even +Inf, so the score is NaN, as in the kernels.
func RefPageScores(q, mn, mx []float64, Hq, Hk, D, pages int, scale float64) (out, bound []float64) {
	g := Hq / Hk
	out, bound = make([]float64, Hq*pages), make([]float64, Hq*pages)
	for h := range Hq {
		kv := h / g
		for p := range pages {
			sum, abs := 0.0, 0.0
			for d := range D {
				e := (p*Hk+kv)*D + d
				x := max(q[h*D+d]*mn[e], q[h*D+d]*mx[e])
				sum += x
				abs += math.Abs(x)
			}
			out[h*pages+p] = scale * sum
			bound[h*pages+p] = DotBound(scale, abs, D, scale*sum)
		}
	}
	return out, bound
}
