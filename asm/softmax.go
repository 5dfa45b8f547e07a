package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genSoftmaxBlock emits softmaxBlock(x, xstride, nk, m, l, alpha): one
// block of an online softmax for the rows r < len(m), each holding nk
// logits (a multiple of the vector width, at least one vector) at
// x[r·xstride]. Per row, a first pass takes the block maximum bm and the
// plain sum of the logits (NaN when a logit is NaN, or when +Inf and
// −Inf meet; those rows, and rows whose new maximum is +Inf, are left
// untouched with alpha[r] = NaN for the caller's plain-Go path). A row
// with bm = −Inf is cleared (alpha 1). Otherwise, when bm > m[r], m[r]
// becomes bm and, unless the old maximum was −Inf, alpha[r] =
// exp32(old − bm) multiplies l[r] (one rounding); else alpha[r] = 1.
// The second pass sets x = exp32(x − m[r]) (vec's exponential, exactly:
// exp32 above) and adds the sum of the row to l[r].
func genSoftmaxBlock(s isa) {
	name := s.name("softmaxBlock")
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, nk int, m []float32, l []float32, alpha []float32)")
	Pragma("noescape")
	s.doc(name, "folds the nk logits of rows r < len(m) at x[r·xstride] into the online-softmax state m[r], l[r], writing the weights exp32(x − m[r]) in place and the accumulator factor alpha[r] (NaN: row left for the caller).", s.lanes)
	px := base("x")
	xs := Load(Param("xstride"), GP64())
	SHLQ(U8(2), xs)
	nk := Load(Param("nk"), GP64())
	pm, pl, pa := base("m"), base("l"), base("alpha")
	rows := Load(Param("m").Len(), GP64())
	t32 := s.expTable()
	bits := func(f float32) Mem { return t32.at(math.Float32bits(f)) }
	negInf := t32.at(0xff800000)
	r, i := GP64(), GP64()
	XORQ(r, r)
	elem := func(p Register) Mem { return Mem{Base: p, Index: r, Scale: 4} }

	Label("row")
	CMPQ(r, rows)
	JAE(label("done"))
	// Pass 1: the block maximum, and a sum that is NaN for a NaN logit.
	mx, sm := s.vec(), s.vec()
	VMOVUPS(negInf, mx)
	s.zero(sm)
	XORQ(i, i)
	loop("max", i, nk, s.lanes, func() {
		v := s.vec()
		VMOVUPS(f32(px, i, 0), v)
		VMAXPS(v, mx, mx)
		VADDPS(v, sm, sm)
	})
	bm := s.hmax(mx)
	sx := s.hsum(sm)
	VUCOMISS(sx, sx)
	JP(label("plain"))
	VUCOMISS(negInf, bm)
	JE(label("empty"))
	mo, mn := XMM(), XMM()
	VMOVSS(elem(pm), mo)
	VMAXSS(mo, bm, mn)
	VUCOMISS(t32.at(0x7f800000), mn)
	JE(label("plain"))
	VUCOMISS(mo, bm)
	JBE(label("keep")) // bm ≤ m[r]: the maximum stays
	VMOVSS(bm, elem(pm))
	VUCOMISS(negInf, mo)
	JE(label("keep")) // the first visible keys: nothing to rescale
	ta := XMM()
	VSUBSS(bm, mo, ta)
	tv := s.vec()
	VBROADCASTSS(ta, tv)
	a := s.exp32(true, tv)[0].AsX() // old − bm < 0
	VMOVSS(a, elem(pa))
	lv := XMM()
	VMOVSS(elem(pl), lv)
	VMULSS(a, lv, lv)
	VMOVSS(lv, elem(pl))
	JMP(label("weights"))
	Label("keep")
	one := XMM()
	VMOVSS(bits(1), one)
	VMOVSS(one, elem(pa))

	// Pass 2: the weights against the running maximum, and their sum.
	Label("weights")
	mb, sum := s.vec(), s.vec()
	VBROADCASTSS(elem(pm), mb)
	s.zero(sum)
	XORQ(i, i)
	weights := func(units int) func() {
		return func() {
			ts := make([]VecVirtual, units)
			for u := range ts {
				ts[u] = s.vec()
				VMOVUPS(f32(px, i, u*s.lanes), ts[u])
				VSUBPS(mb, ts[u], ts[u])
			}
			// x ≤ m[r], both non-NaN, m[r] finite
			for u, p := range s.exp32(true, ts...) {
				VMOVUPS(p, f32(px, i, u*s.lanes))
				VADDPS(p, sum, sum)
			}
		}
	}
	// three vectors a step while three remain (their exponentials
	// interleaved: 3·4 live registers), then one
	Label("exp3")
	e3 := GP64()
	LEAQ(Mem{Base: i, Disp: 3 * s.lanes}, e3)
	CMPQ(e3, nk)
	JA(label("exp3_end"))
	weights(3)()
	ADDQ(U32(3*s.lanes), i)
	JMP(label("exp3"))
	Label("exp3_end")
	loop("exp1", i, nk, s.lanes, weights(1))
	ls := s.hsum(sum)
	VADDSS(elem(pl), ls, ls)
	VMOVSS(ls, elem(pl))
	JMP(label("next"))

	// No visible key: weights 0, state unchanged.
	Label("empty")
	z := s.vec()
	s.zero(z)
	XORQ(i, i)
	loop("clear", i, nk, s.lanes, func() { VMOVUPS(z, f32(px, i, 0)) })
	one1 := XMM()
	VMOVSS(bits(1), one1)
	VMOVSS(one1, elem(pa))
	JMP(label("next"))

	Label("plain")
	nan := XMM()
	VMOVSS(t32.at(0x7fc00000), nan)
	VMOVSS(nan, elem(pa))

	Label("next")
	ADDQ(xs, px)
	INCQ(r)
	JMP(label("row"))
	Label("done")
	finish()
}
