package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genRotateBF16Split emits the NeoX rotation of bfloat16 heads with the
// cos and sin in split order: a block of 2·lanes pairs (i0+j) is read as
// one vector of x elements and one of y elements, whose even and odd
// elements widen in one instruction each (a left shift by 16 for the
// even ones, masking the low half away for the odd ones). The rotation is
// elementwise, so the block's table entries are laid out to match: lanes
// cos of pairs i0, i0+2, …, then lanes of pairs i0+1, i0+3, … (the same
// for sin). Pairs past the last whole block keep their natural order and
// are rotated as genRotate16 does. Every value is rounded as in
// genRotate16, so the bits are the same. Before each head the kernel
// prefetches the head 2^pfShift heads ahead, so a row streaming from
// memory keeps requests in flight across page boundaries and between
// calls (the next token's rows follow).
func genRotateBF16Split(s isa) {
	name := s.name("rotateBF16Split")
	TEXT(name, NOSPLIT, "func(dst, src []uint16, c, s []float32, heads, stride int)")
	s.doc(name, "rotates the NeoX pairs (src[h·stride+i], src[h·stride+half+i]) of heads bfloat16 heads into dst as rotateBF16 does, half = len(c), with c and s in split order: in each whole block of 2·lanes pairs the entries of the even pairs, then those of the odd pairs; the remaining pairs in natural order.", s.lanes)
	pd, ps, pc, pn := base("dst"), base("src"), base("c"), base("s")
	half := Load(Param("c").Len(), GP64())
	block := 2 * s.lanes
	nb := length("c", block)
	n := length("c", s.lanes)
	heads := Load(Param("heads"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(1), stride)
	k := s.bf16Consts()
	high := s.broadcastD(0xffff0000)
	var pk packConsts
	if !s.wide() {
		pk = packConsts{one: s.broadcastD(0x00010001), bias: s.broadcastD(0x7ffe7ffe)}
	}
	span := GP64() // bytes of a head's rotated elements
	LEAQ(Mem{Base: half, Index: half, Scale: 1}, span)
	SHLQ(U8(1), span)
	headsLoop(heads, stride, []Register{pd, ps}, func() {
		// Ask for the head pfHeads heads ahead.
		pf, j := GP64(), GP64()
		MOVQ(stride, pf)
		SHLQ(U8(pfShift), pf)
		ADDQ(ps, pf)
		XORQ(j, j)
		Label("pf")
		PREFETCHT0(Mem{Base: pf, Index: j, Scale: 1})
		ADDQ(U32(64), j)
		CMPQ(j, span)
		JB(label("pf"))
		pdy, psy := GP64(), GP64()
		LEAQ(Mem{Base: pd, Index: half, Scale: 2}, pdy)
		LEAQ(Mem{Base: ps, Index: half, Scale: 2}, psy)
		i := GP64()
		XORQ(i, i)
		nb2 := roundDown(nb, 2*block)
		loop("split2", i, nb2, 2*block, func() {
			var x, y [2]VecVirtual
			for u := range 2 {
				x[u], y[u] = s.vec(), s.vec()
				s.move(u16(ps, i, u*block), x[u])
				s.move(u16(psy, i, u*block), y[u])
			}
			for u := range 2 {
				s.rotateBlock(k, pk, high, x[u], y[u], pd, pdy, pc, pn, i, u*block, fmt.Sprint(u))
			}
		})
		loop("split", i, nb, block, func() {
			x, y := s.vec(), s.vec()
			s.move(u16(ps, i, 0), x)
			s.move(u16(psy, i, 0), y)
			s.rotateBlock(k, pk, high, x, y, pd, pdy, pc, pn, i, 0, "")
		})
		loop("rot", i, n, s.lanes, func() {
			s.rotateBF16Lanes(k, ps, psy, pd, pdy, pc, pn, i)
		})
	})
	finish()
}

// rotateBlock rotates the block of 2·lanes pairs whose x and y elements
// are the raw 16-bit vectors x and y (elements i+k… of the head) and
// stores the results at pd and pdy.
func (s isa) rotateBlock(k bf16Consts, pk packConsts, high, x, y Register, pd, pdy, pc, pn, i Register, off int, tag string) {
	xo, yo := s.vec(), s.vec()
	s.and(x, high, xo)
	s.and(y, high, yo)
	VPSLLD(U8(16), x, x)
	VPSLLD(U8(16), y, y)
	s.rotateVectors(x, y, f32(pc, i, off), f32(pn, i, off))
	s.rotateVectors(xo, yo, f32(pc, i, off+s.lanes), f32(pn, i, off+s.lanes))
	rx := s.packBF16(k, pk, x, xo, "x"+tag)
	ry := s.packBF16(k, pk, y, yo, "y"+tag)
	s.move(rx, u16(pd, i, off))
	s.move(ry, u16(pdy, i, off))
}

// pfShift is log2 of how many heads ahead the split kernel prefetches:
// 16 heads of 128 bfloat16 elements are 4 KiB, which measured best
// against 1, 2 and 8 KiB on Llama-3.1-8B RoPE.
const pfShift = 4

// packConsts are the AVX2 constants of packBF16's rounding.
type packConsts struct{ one, bias Register }

// packBF16 rounds the float32 vectors e (elements 0, 2, 4, …) and o
// (elements 1, 3, 5, …) to bfloat16 and returns the vector of the
// 2·lanes results in element order. tag names the call site's labels.
//
// AVX-512 rounds each vector as roundBF16 and moves the odd results to
// the high halves. AVX2 rounds the two vectors together on 16-bit words:
// t holds the upper halves of e and o interleaved (their truncations)
// and d their lower halves; rounding to nearest even adds to t the carry
// of d + 0x7fff + (t & 1) out of 16 bits, which is bit 15 of
// ⌊(d + (0x7ffe | t&1) + 1)/2⌋ (VPAVGW, exact in 17 bits). Only a NaN,
// never produced by finite inputs with finite angles, needs more: when
// either vector holds one, the NaN words become t | 0x40 (quiet, sign
// and top payload bits kept), as roundBF16 gives.
func (s isa) packBF16(k bf16Consts, pk packConsts, e, o Register, tag string) Register {
	if s.wide() {
		re, ro := s.vec(), s.vec()
		s.roundBF16(k, e, re)
		s.roundBF16(k, o, ro)
		VPSLLD(U8(16), ro, ro)
		s.or(re, ro, re)
		return re
	}
	t, d := s.vec(), s.vec()
	VPSRLD(U8(16), e, t)
	VPBLENDW(U8(0xaa), o, t, t) // t = o.hi : e.hi
	VPSLLD(U8(16), o, d)
	VPBLENDW(U8(0xaa), d, e, d) // d = o.lo : e.lo
	b := s.vec()
	VPAND(t, pk.one, b)
	VPOR(b, pk.bias, b)
	VPAVGW(b, d, d)
	VPSRLW(U8(15), d, d) // the carries
	r := s.vec()
	VPADDW(d, t, r)
	nan := s.vec()
	VCMPPS(U8(3), o, e, nan) // unordered: e or o is a NaN
	VPTEST(nan, nan)
	JZ(label("packed_" + tag))
	me, mo := s.vec(), s.vec()
	VCMPPS(U8(3), e, e, me)
	VCMPPS(U8(3), o, o, mo)
	VPBLENDW(U8(0xaa), mo, me, me) // all ones in the NaN words
	VPOR(t, s.broadcastD(0x00400040), t)
	VPBLENDVB(me, t, r, r)
	Label("packed_" + tag)
	return r
}

// move copies a whole vector of integer data between a register and
// memory.
func (s isa) move(src, dst Op) {
	if s.wide() {
		VMOVDQU32(src, dst)
		return
	}
	VMOVDQU(src, dst)
}
