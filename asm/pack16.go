package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The even/odd form of the bfloat16 kernels: a vector of 2·lanes
// bfloat16 elements widens into the float32 vector of its even elements
// (a left shift by 16 within each 32-bit lane) and that of its odd ones
// (the low half masked away), one instruction each; packBF16 goes back.

// pairConsts are the broadcast constants of the even/odd form.
type pairConsts struct {
	high      Register   // 0xffff0000
	k         bf16Consts // roundBF16's, for AVX-512 and natural-order tails
	one, bias Register   // AVX2 packBF16: 0x0001 and 0x7ffe in every word
	idx       Register   // AVX512-BF16 packBF16: the interleaving VPERMW index
}

// pairConsts broadcasts the constants; tails asks for roundBF16's on
// AVX2 too, for a loop over natural-order lanes.
func (s isa) pairConsts(tails bool) pairConsts {
	p := pairConsts{high: s.broadcastD(0xffff0000)}
	if tails || s.wide() {
		p.k = s.bf16Consts()
	}
	if !s.wide() {
		p.one, p.bias = s.broadcastD(0x00010001), s.broadcastD(0x7ffe7ffe)
	}
	if s.bf16 {
		p.idx = ZMM()
		VMOVDQU32(interleaveIndex(), p.idx)
	}
	return p
}

// widenPairs splits the 2·lanes bfloat16 elements in v into the float32
// vector of the even ones, left in v, and that of the odd ones, returned.
func (s isa) widenPairs(p pairConsts, v Register) VecVirtual {
	o := s.vec()
	s.and(v, p.high, o)
	VPSLLD(U8(16), v, v)
	return o
}

// packBF16 rounds the float32 vectors e[v] (elements 0, 2, 4, … of
// vector v) and o[v] (elements 1, 3, 5, …) to bfloat16 exactly as
// roundBF16 and returns the vectors of the 2·lanes results in element
// order. tag names the call site's labels.
//
// AVX-512 rounds each vector as roundBF16 and moves the odd results to
// the high halves. With AVX512-BF16, roundBF16Groups rounds e[v] and
// o[v] into the low and high halves of one vector, and VPERMW
// interleaves them. AVX2 rounds e[v] and o[v] together on 16-bit words:
// t holds the upper halves of e and o interleaved (their truncations)
// and d their lower halves; rounding to nearest even adds to t the carry
// of d + 0x7fff + (t & 1) out of 16 bits, which is bit 15 of
// ⌊(d + (0x7ffe | t&1) + 1)/2⌋ (VPAVGW, exact in 17 bits). Only a NaN,
// never produced by finite inputs with finite angles, needs more: when
// any of the vectors holds one (one test for all of them), the NaN words
// become t | 0x40 (quiet, sign and top payload bits kept), as roundBF16
// gives.
func (s isa) packBF16(p pairConsts, e, o []Register, tag string) []Register {
	r := make([]Register, len(e))
	if s.bf16 {
		s.roundBF16Groups(p.k, e, o, tag, func(rv []Register) {
			for v := range rv {
				VPERMW(rv[v], p.idx, rv[v])
			}
		}, func(rv, re, ro []Register) {
			for v := range rv {
				VPSLLD(U8(16), ro[v], ro[v])
				s.or(re[v], ro[v], rv[v])
			}
			copy(r, rv)
		})
		return r
	}
	if s.wide() {
		for v := range e {
			re, ro := s.vec(), s.vec()
			s.roundBF16(p.k, e[v], re)
			s.roundBF16(p.k, o[v], ro)
			VPSLLD(U8(16), ro, ro)
			s.or(re, ro, re)
			r[v] = re
		}
		return r
	}
	t := make([]Register, len(e))
	var nan Register
	for v := range e {
		t[v], r[v] = s.roundWords(p, e[v], o[v])
		m := s.vec()
		VCMPPS(U8(3), o[v], e[v], m) // unordered: e or o is a NaN
		if nan != nil {
			VPOR(m, nan, m)
		}
		nan = m
	}
	VPTEST(nan, nan)
	JZ(label("packed_" + tag))
	for v := range e {
		me, mo := s.vec(), s.vec()
		VCMPPS(U8(3), e[v], e[v], me)
		VCMPPS(U8(3), o[v], o[v], mo)
		VPBLENDW(U8(0xaa), mo, me, me) // all ones in the NaN words
		VPOR(t[v], s.broadcastD(0x00400040), t[v])
		VPBLENDVB(me, t[v], r[v], r[v])
	}
	Label("packed_" + tag)
	return r
}

// roundWords is AVX2 packBF16's rounding of one pair of vectors, NaNs
// aside: it returns the truncations t and the rounded words r.
func (s isa) roundWords(p pairConsts, e, o Register) (t, r Register) {
	tv, d := s.vec(), s.vec()
	VPSRLD(U8(16), e, tv)
	VPBLENDW(U8(0xaa), o, tv, tv) // t = o.hi : e.hi
	VPSLLD(U8(16), o, d)
	VPBLENDW(U8(0xaa), d, e, d) // d = o.lo : e.lo
	b := s.vec()
	VPAND(tv, p.one, b)
	VPOR(b, p.bias, b)
	VPAVGW(b, d, d)
	VPSRLW(U8(15), d, d) // the carries
	rv := s.vec()
	VPADDW(d, tv, rv)
	return tv, rv
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

// pfShift is log2 of how many heads ahead the 16-bit head kernels
// prefetch: 16 heads of 128 bfloat16 elements are 4 KiB, which measured
// best against 1, 2 and 8 KiB on Llama-3.1-8B RoPE.
const pfShift = 4

// prefetchAhead asks for the span bytes of the head 2^pfShift heads
// (strideBytes apart) after the one at p, so a row streaming from memory
// keeps requests in flight across page boundaries and while a token's
// cos and sin are made (the next token's rows follow the current ones).
// A prefetch past the rows is harmless: it never faults. A single head
// (stride 0) asks for nothing.
func prefetchAhead(p, strideBytes, span Register) {
	TESTQ(strideBytes, strideBytes)
	JZ(label("pf_end"))
	pf, j := GP64(), GP64()
	MOVQ(strideBytes, pf)
	SHLQ(U8(pfShift), pf)
	ADDQ(p, pf)
	XORQ(j, j)
	Label("pf")
	PREFETCHT0(Mem{Base: pf, Index: j, Scale: 1})
	ADDQ(U32(64), j)
	CMPQ(j, span)
	JB(label("pf"))
	Label("pf_end")
}
