package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genRotateBF16Split emits the NeoX rotation of bfloat16 heads with the
// cos and sin in split order: a block of 2·lanes pairs (i0+j) is read as
// one vector of x elements and one of y elements, each widened in the
// even/odd form (pack16.go). The rotation is elementwise, so the block's
// table entries are laid out to match: lanes cos of pairs i0, i0+2, …,
// then lanes of pairs i0+1, i0+3, … (the same for sin). Pairs past the
// last whole block keep their natural order and are rotated as
// genRotate16 does. Every value is rounded as roundBF16 rounds it, so
// the bits are genRotate16's. Each head starts with prefetchAhead.
func genRotateBF16Split(s isa) {
	name := s.name("rotateBF16Split")
	block := 2 * s.lanes
	TEXT(name, NOSPLIT, "func(dst, src []uint16, c, s []float32, heads, stride int)")
	s.doc(name, fmt.Sprintf("rotates the NeoX pairs (src[h·stride+i], src[h·stride+half+i]) of heads bfloat16 heads into dst as rotateBF16 does, half = len(c), with c and s in split order: in each whole block of %d pairs the entries of the even pairs, then those of the odd pairs; the remaining pairs in natural order.", block), s.lanes)
	pd, ps, pc, pn := base("dst"), base("src"), base("c"), base("s")
	half := Load(Param("c").Len(), GP64())
	nb := length("c", block)
	n := length("c", s.lanes)
	heads := Load(Param("heads"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(1), stride)
	p := s.pairConsts(true)
	span := GP64() // bytes of a head's rotated elements
	LEAQ(Mem{Base: half, Index: half, Scale: 1}, span)
	SHLQ(U8(1), span)
	headsLoop(heads, stride, []Register{pd, ps}, func() {
		prefetchAhead(ps, stride, span)
		pdy, psy := GP64(), GP64()
		LEAQ(Mem{Base: pd, Index: half, Scale: 2}, pdy)
		LEAQ(Mem{Base: ps, Index: half, Scale: 2}, psy)
		i := GP64()
		XORQ(i, i)
		loop("split", i, nb, block, func() {
			x, y := s.vec(), s.vec()
			s.move(u16(ps, i, 0), x)
			s.move(u16(psy, i, 0), y)
			xo, yo := s.widenPairs(p, x), s.widenPairs(p, y)
			s.rotateVectors(x, y, f32(pc, i, 0), f32(pn, i, 0))
			s.rotateVectors(xo, yo, f32(pc, i, s.lanes), f32(pn, i, s.lanes))
			r := s.packBF16(p, []Register{x, y}, []Register{xo, yo}, "xy")
			s.move(r[0], u16(pd, i, 0))
			s.move(r[1], u16(pdy, i, 0))
		})
		loop("rot", i, n, s.lanes, func() {
			s.rotateBF16Lanes(p.k, ps, psy, pd, pdy, pc, pn, i)
		})
	})
	finish()
}

// genRotatePairsBF16 emits the GPT-J rotation of bfloat16 heads: a
// vector of 2·lanes elements holds lanes interleaved pairs, whose even
// (first) and odd (second) elements the even/odd form widens straight
// into the x and y of rotateVectors, with cos and sin in natural order,
// and packBF16 interleaves back. Each head starts with prefetchAhead.
func genRotatePairsBF16(s isa) {
	name := s.name("rotatePairsBF16")
	TEXT(name, NOSPLIT, "func(dst, src []uint16, c, s []float32, heads, stride int)")
	s.doc(name, "rotates the GPT-J pairs (src[h·stride+2i], src[h·stride+2i+1]) of heads bfloat16 heads by c[i], s[i] for i < len(c) into dst: widened exactly, rotated as rotate, rounded once to nearest even.", s.lanes)
	pd, ps, pc, pn := base("dst"), base("src"), base("c"), base("s")
	n := length("c", s.lanes)
	heads := Load(Param("heads"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(1), stride)
	p := s.pairConsts(false)
	span := Load(Param("c").Len(), GP64())
	SHLQ(U8(2), span) // bytes of a head's rotated elements
	headsLoop(heads, stride, []Register{pd, ps}, func() {
		prefetchAhead(ps, stride, span)
		i := GP64()
		XORQ(i, i)
		loop("pairs", i, n, s.lanes, func() {
			x := s.vec()
			s.move(Mem{Base: ps, Index: i, Scale: 4}, x) // pair i is element 2i
			y := s.widenPairs(p, x)
			s.rotateVectors(x, y, f32(pc, i, 0), f32(pn, i, 0))
			r := s.packBF16(p, []Register{x}, []Register{y}, "p")
			s.move(r[0], Mem{Base: pd, Index: i, Scale: 4})
		})
	})
	finish()
}
