package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genAttendSplit emits attendBF16Split<R>(x, xstride, q, d, scale, k,
// offs, v, voffs, dv, m, l, acc, pk, pv): one block of decode attention for R
// query rows (pair-split order) that read the same kv head, fused in one
// call. Its three steps are those of dotsGatherBF16Split<R>,
// softmaxBlock and accumulateBF16Split<R>:
//
//  1. the logits x[r·xstride+i] = scale·q_r·k_i over the keys i <
//     len(offs) (bfloat16 rows at offs[i] in k), each row of x padded
//     with −Inf up to a whole vector;
//  2. unless a logit or an m[r] is NaN or +Inf (then it returns false
//     with the state untouched and x holding the logits), the
//     online-softmax update of every row (attendSoftmax): m[r], l[r],
//     the weights exp32(x − m[r]) in place of the logits, and the factor
//     alpha_r;
//  3. acc_r = alpha_r·acc_r + Σ_i x[r·xstride+i]·v_i over the value rows
//     at voffs[i] in v, acc in pair-split order, the rescaling folded into
//     the load of each accumulator chunk.
//
// Along the way it asks the caches for the rows of pk (prefetchLines
// lines with each group of keys of step 1) and of pv (as many with each
// column chunk of step 3): the next block's rows, asked for a few lines
// at a time between the arithmetic.
//
// d and dv must be multiples of the pair-split block, len(offs) at most
// 16 and xstride at least 16.
func genAttendSplit(s isa, rows int) {
	name := s.name(fmt.Sprintf("attendBF16Split%d", rows))
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m []float32, l []float32, acc []float32, pk []uint16, pv []uint16) bool")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("folds the keys at offs (values at voffs) into the online-softmax state m, l, acc of %d pair-split query rows; false (state untouched, x the logits) for a NaN or +Inf logit.", rows), 2*s.lanes)
	alpha := AllocLocal(16) // the rows' accumulator factors
	grew := AllocLocal(8)   // nonzero when some alpha ≠ 1
	pkOff := AllocLocal(8)  // the bytes of pk and pv prefetched so far
	pvOff := AllocLocal(8)
	MOVQ(U32(0), pkOff)
	MOVQ(U32(0), pvOff)
	negInf := s.expTable().at(0xff800000)

	// Rows of 16 logits: −Inf for the keys past the block.
	{
		nb := Load(Param("offs").Len(), GP64())
		CMPQ(nb, U8(16))
		JAE(label("padded"))
		px, xs := base("x"), Load(Param("xstride"), GP64())
		SHLQ(U8(2), xs)
		ni := s.vec()
		VMOVUPS(negInf, ni)
		for r := range rows {
			for u := range 16 / s.lanes {
				VMOVUPS(ni, Mem{Base: px, Disp: u * s.bytes()})
			}
			if r+1 < rows {
				ADDQ(xs, px)
			}
		}
		Label("padded")
	}

	groupHook = func() { prefetchStep("pk", pkOff) }
	s.splitDots(rows)
	groupHook = nil
	s.attendSoftmax(rows, alpha, grew)

	chunkHook = func() { prefetchStep("pv", pvOff) }

	s.splitAccumulate(rows, accParams{p: "x", pstride: "xstride", offs: "voffs"}, func(a [][]VecVirtual) {
		CMPL(grew, U8(0))
		JE(label(fmt.Sprintf("scaled%d", len(a[0]))))
		for r := range a {
			f := s.vec()
			VBROADCASTSS(alpha.Offset(4*r), f)
			for _, v := range a[r] {
				VMULPS(f, v, v)
			}
		}
		Label(fmt.Sprintf("scaled%d", len(a[0])))
	})
	chunkHook = nil
	ok := resultAddr()
	MOVB(U8(1), ok)
	VZEROUPPER()
	RET()

	Label("plain")
	MOVB(U8(0), ok)
	finish()
}

// attendSoftmax emits the softmax step of attendBF16Split<rows> over the
// logits at x (16 a row, −Inf past the block): it jumps to "plain" when a
// logit or an m[r] is NaN or +Inf, else folds every row into m, l and
// writes the weights in place, each row's factor to alpha and, to grew,
// whether one differs from 1. Without branches per row: with bm the
// block maximum and mn = max(m[r], bm), the shift t = max(mn, −MaxFloat32)
// (finite even for a row that has seen no key, so that no −Inf − −Inf
// arises) gives alpha = exp32(m[r] − t), the weights exp32(x − t) and l =
// l·alpha + Σ weights, m[r] = mn. These are softmaxBlock's bits: alpha is
// exp32(0) = 1 where the maximum stays (then l·1 = l), exp32(old − bm)
// where it grows, and 0 for a row with no key yet (whose l and acc are 0,
// so scaling them by 0 gives softmaxBlock's result); a row with no
// visible key gets weights 0 and alpha 1 as there.
func (s isa) attendSoftmax(rows int, alpha, grew Mem) {
	t32 := s.expTable()
	posInf := t32.at(0x7f800000)
	per := 16 / s.lanes // vectors a row
	xs := Load(Param("xstride"), GP64())
	SHLQ(U8(2), xs)
	var xs3 Register
	if rows > 3 {
		xs3 = GP64()
		LEAQ(Mem{Base: xs, Index: xs, Scale: 2}, xs3)
	}
	px, pm, pl := base("x"), base("m"), base("l")
	var rm [4][2]Mem
	for r := range rows {
		for u := range per {
			rm[r][u] = rowMem(px, xs, xs3, r, u*s.bytes())
		}
	}

	// Every logit and maximum below +Inf (ordered: NaN fails too).
	pinf := XMM()
	VMOVSS(posInf, pinf)
	for r := range rows {
		VUCOMISS(Mem{Base: pm, Disp: 4 * r}, pinf)
		JBE(label("plain"))
	}
	xv := make([][]VecVirtual, rows)
	for r := range rows {
		for u := range per {
			v := s.vec()
			VMOVUPS(rm[r][u], v)
			xv[r] = append(xv[r], v)
		}
	}
	if s.wide() {
		k := K()
		for r := range rows {
			if r == 0 {
				VCMPPS(U8(0x11), posInf, xv[r][0], k)
			} else {
				VCMPPS(U8(0x11), posInf, xv[r][0], k, k)
			}
		}
		KORTESTW(k, k)
		JCC(label("plain"))
	} else {
		var ok VecVirtual
		for r := range rows {
			for u := range per {
				c := YMM()
				VCMPPS(U8(0x11), posInf, xv[r][u], c)
				if ok == nil {
					ok = c
				} else {
					VANDPS(c, ok, ok)
				}
			}
		}
		bits := GP32()
		VMOVMSKPS(ok, bits)
		CMPL(bits, U8(0xff))
		JNE(label("plain"))
	}

	// The rows' block maxima, side by side in the lanes of bm.
	mx := make([]VecVirtual, rows)
	for r := range rows {
		mx[r] = xv[r][0]
		for u := 1; u < per; u++ {
			VMAXPS(xv[r][u], mx[r], mx[r])
		}
	}
	bm := s.gatherLanes(s.hreduceAll(mx, VMAXPS))
	mo, lo := XMM(), XMM()
	s.loadLanes(pm, rows, mo)
	s.loadLanes(pl, rows, lo)
	mn, t := XMM(), XMM()
	VMAXPS(bm, mo, mn)
	VMAXPS(t32.at(0xff7fffff), mn, t)
	d := XMM()
	VSUBPS(t, mo, d)
	tl := AllocLocal(16) // d, then t
	VMOVUPS(d, tl)
	dv := s.vec() // d in every 128-bit lane: a whole vector for exp32
	if s.wide() {
		VBROADCASTF32X4(tl, dv)
	} else {
		VBROADCASTF128(tl, dv)
	}
	a := s.exp32(true, dv)[0].AsX() // m[r] − t ≤ 0 or −Inf
	VMULPS(a, lo, lo)
	s.storeLanes(mn, rows, pm)
	VMOVUPS(a, alpha)

	// The weights, and their sums side by side in the lanes of sum.
	VMOVUPS(t, tl)
	sums := make([]VecVirtual, rows)
	for r := range rows {
		tb := s.vec()
		VBROADCASTSS(tl.Offset(4*r), tb)
		ts := make([]VecVirtual, per)
		for u := range per {
			ts[u] = s.vec()
			VMOVUPS(rm[r][u], ts[u])
			VSUBPS(tb, ts[u], ts[u])
		}
		ps := s.exp32(true, ts...) // x ≤ t, never NaN
		sums[r] = ps[0]
		for u, p := range ps {
			VMOVUPS(p, rm[r][u])
			if u > 0 {
				VADDPS(p, sums[r], sums[r])
			}
		}
	}
	sum := s.gatherLanes(s.hreduceAll(sums, VADDPS))
	VADDPS(sum, lo, lo)
	s.storeLanes(lo, rows, pl)

	// grew: some alpha[r] ≠ 1.
	f, g := GP32(), GP32()
	XORL(f, f)
	for r := range rows {
		MOVL(alpha.Offset(4*r), g)
		XORL(U32(0x3f800000), g)
		ORL(g, f)
	}
	MOVL(f, grew)
}

// gatherLanes returns an X register whose lane i is lane 0 of xs[i] (at
// most four; the lanes past len(xs) hold lane 0 of xs[0]).
func (s isa) gatherLanes(xs []Register) Register {
	for len(xs) < 4 {
		xs = append(xs, xs[0])
	}
	lo, hi := XMM(), XMM()
	VUNPCKLPS(xs[1], xs[0], lo) // x0, x1, …
	VUNPCKLPS(xs[3], xs[2], hi) // x2, x3, …
	VMOVLHPS(hi, lo, lo)
	return lo
}

// loadLanes loads the n ≤ 4 floats at p into the first lanes of x (the
// others: copies of the first).
func (s isa) loadLanes(p Register, n int, x Register) {
	if n == 4 {
		VMOVUPS(Mem{Base: p}, x)
		return
	}
	VBROADCASTSS(Mem{Base: p}, x)
	for i := 1; i < n; i++ {
		VINSERTPS(U8(i<<4), Mem{Base: p, Disp: 4 * i}, x, x)
	}
}

// storeLanes stores the first n ≤ 4 lanes of x at p.
func (s isa) storeLanes(x Register, n int, p Register) {
	if n == 4 {
		VMOVUPS(x, Mem{Base: p})
		return
	}
	VMOVSS(x, Mem{Base: p})
	for i := 1; i < n; i++ {
		VEXTRACTPS(U8(i), x, Mem{Base: p, Disp: 4 * i})
	}
}
