package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The pair-split kernels read bfloat16 rows two elements per 32-bit lane:
// a vector of 2W bfloat16 values (W = lanes) gives its odd elements as
// float32 by clearing the low halves (AND 0xFFFF0000) and its even ones
// by shifting left by 16, two instructions per 2W elements. The float32
// operand they meet is in pair-split order: per block of 2W elements, the
// W even-indexed elements, then the W odd-indexed ones.

// pairMasks holds each set's table with the odd-element mask.
var pairMasks = map[string]constTable{}

// oddMask returns the memory operand of a vector of 0xFFFF0000 lanes.
func (s isa) oddMask() Mem {
	t, ok := pairMasks[s.suffix]
	if !ok {
		t = constTable{mem: GLOBL("pairmask"+s.suffix, RODATA|NOPTR), off: map[uint32]int{0xffff0000: 0}}
		for l := range s.lanes {
			DATA(4*l, U32(0xffff0000))
		}
		pairMasks[s.suffix] = t
	}
	return t.at(0xffff0000)
}

// widenHalf sets v to the even (h = 0) or odd (h = 1) bfloat16 elements
// of the 2W at m, as float32: with AVX2 a load and a shift or an AND.
// With AVX-512 each is one instruction with a memory source; mask, when
// not nil, holds oddMask for it.
func (s isa) widenHalf(m Mem, h int, v, mask Register) {
	if h == 0 && s.wide() {
		VPSLLD(U8(16), m, v) // a memory source needs the EVEX form
		return
	}
	if h == 1 && s.wide() && mask != nil {
		VPANDD(m, mask, v)
		return
	}
	s.loadInts(m, v)
	if h == 0 {
		VPSLLD(U8(16), v, v)
		return
	}
	s.andm(s.oddMask(), v, v)
}

// loadInts loads a vector of integer lanes.
func (s isa) loadInts(m Mem, v Register) {
	if s.wide() {
		VMOVDQU32(m, v)
		return
	}
	VMOVDQU(m, v)
}

// splitKeys is the most keys the pair-split dot kernel of rows rows takes
// together: rows·keys accumulators, the keys' widened halves and one q
// vector fit 16 registers, with at least eight FMA chains.
//
// With AVX-512 (32 registers) every row count takes four keys, whose
// sixteen sums one transposing reduction adds up (transposeSums4x4).
func (s isa) splitKeys(rows int) int {
	if s.wide() {
		return 4
	}
	return [5]int{0, 4, 4, 3, 3}[rows]
}

// genDotsGatherSplit emits dotsGatherBF16Split<R>(x, xstride, q, d,
// scale, k, offs): dotsGatherBF16<R> with the rows of q in pair-split
// order. Per block of 2W columns it widens one half of each of the keys
// taken together (a load and a shift or an AND), loads each row's half
// of q once, and adds its products with every key; with few
// accumulators the two halves keep their own, so that eight or more FMA
// chains are in flight.
func genDotsGatherSplit(s isa, rows int) {
	name := s.name(fmt.Sprintf("dotsGatherBF16Split%d", rows))
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int)")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("sets x[r·xstride+i] = scale·Σ_c q[r·d+c]·k[offs[i]+c'] for r < %d, i < len(offs), c < d rounded down, q in pair-split order (c' the natural column of c; one rounded product by scale).", rows), 2*s.lanes)
	s.splitDots(rows)
	finish()
}

// splitDots emits the body of dotsGatherBF16Split<rows> for a kernel with
// its parameters x, xstride, q, d, scale, k and offs.
func (s isa) splitDots(rows int) {
	n, qrow, po, keys, px := loadGatherArgs(rows, 2*s.lanes)
	SHLQ(U8(1), n)
	nb := n // the bytes of the columns handled in each key row

	body := func(lbl string, nk int) {
		halves := 1 // accumulators per (row, key)
		if 2*rows*nk <= 12 {
			halves = 2
		}
		s.gatherGroups(lbl, rows, nk, halves, 2, po, keys, px, func(kp []Register, qc Register, acc [][][]VecVirtual) {
			var mask Register
			if s.wide() {
				mask = s.vec()
				s.loadInts(s.oddMask(), mask)
			}
			c := GP64() // byte offset of the block in the key rows
			XORQ(c, c)
			Label(lbl + "_col")
			CMPQ(c, nb)
			JAE(label(lbl + "_colend"))
			for h := range 2 {
				kv := make([]VecVirtual, nk)
				for i := range kv {
					kv[i] = s.vec()
					s.widenHalf(Mem{Base: kp[i], Index: c, Scale: 1}, h, kv[i], mask)
				}
				for r := range rows {
					qv := s.vec() // loaded once for the nk keys
					VMOVUPS(qrow(qc, r, h*s.bytes()), qv)
					for i := range nk {
						VFMADD231PS(qv, kv[i], acc[r][i][h%halves])
					}
				}
			}
			ADDQ(U32(s.bytes()), c)
			ADDQ(U32(2*s.bytes()), qc)
			JMP(label(lbl + "_col"))
			Label(lbl + "_colend")
		})
	}
	for _, nk := range []int{s.splitKeys(rows), 2, 1} { // at most one pass each after the first
		body(fmt.Sprintf("keys%d", nk), nk)
	}
}

// genAccumulateSplit emits accumulateBF16Split<R>(acc, dv, p, pstride, v,
// offs): accumulateBF16<R> with the rows of acc in pair-split order. Per
// key and block of 2W columns: one load of the value row's block, an AND
// (with the mask kept in a register) and a shift for its odd and even
// halves, the R weights broadcast, two FMAs per row; two keys a loop
// step. Fewer than four rows take several blocks at once so that
// eight FMA chains are in flight.
func genAccumulateSplit(s isa, rows int) {
	name := s.name(fmt.Sprintf("accumulateBF16Split%d", rows))
	TEXT(name, NOSPLIT, "func(acc []float32, dv int, p []float32, pstride int, v []uint16, offs []int)")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("sets acc[r·dv+d] += Σ_i p[r·pstride+i]·v[offs[i]+d'] for r < %d, i < len(offs), d < dv rounded down, acc in pair-split order (d' the natural column of d; FMA, keys in order).", rows), 2*s.lanes)
	s.splitAccumulate(rows, accParams{p: "p", pstride: "pstride", offs: "offs"}, nil)
	finish()
}

// chunkHook, when not nil, is emitted in every column chunk of
// splitAccumulate right after its accumulators are loaded (and scaled).
var chunkHook func()

// accParams names the parameters of a kernel that splitAccumulate reads
// besides acc, dv and v: the weights, their row stride and the value
// rows' offsets.
type accParams struct{ p, pstride, offs string }

// splitAccumulate emits the body of accumulateBF16Split<rows> for a
// kernel with the parameters acc, dv and v and those named by ps. When
// scale is not nil it is called with every row's accumulator vectors of
// a column chunk right after they are loaded, before any key is added.
func (s isa) splitAccumulate(rows int, ps accParams, scale func(a [][]VecVirtual)) {
	pa, pp, pv := base("acc"), base(ps.p), base("v")
	dvb := Load(Param("dv"), GP64())
	n := GP64() // columns handled: dv rounded down to the block
	MOVQ(dvb, n)
	ANDQ(I32(-2*s.lanes), n)
	SHLQ(U8(2), dvb) // row stride of acc in bytes
	psb := Load(Param(ps.pstride), GP64())
	SHLQ(U8(2), psb)
	var dv3, ps3 Register
	if rows >= 3 {
		dv3, ps3 = GP64(), GP64()
		LEAQ(Mem{Base: dvb, Index: dvb, Scale: 2}, dv3)
		LEAQ(Mem{Base: psb, Index: psb, Scale: 2}, ps3)
	}
	mask := s.vec()
	s.loadInts(s.oddMask(), mask)
	d := GP64() // the current column
	XORQ(d, d)
	chunk := func(lbl string, blocks int) {
		end := roundDown(n, 2*blocks*s.lanes)
		Label(lbl)
		CMPQ(d, end)
		JAE(label(lbl + "_end"))
		ac := GP64() // acc at column d
		LEAQ(Mem{Base: pa, Index: d, Scale: 4}, ac)
		a := make([][]VecVirtual, rows) // [row][2·block + half]
		for r := range rows {
			for u := range 2 * blocks {
				v := s.vec()
				VMOVUPS(rowMem(ac, dvb, dv3, r, u*s.bytes()), v)
				a[r] = append(a[r], v)
			}
		}
		if scale != nil {
			scale(a)
		}
		if chunkHook != nil {
			chunkHook()
		}
		po := Load(Param(ps.offs).Base(), GP64())
		keys := Load(Param(ps.offs).Len(), GP64())
		pk := GP64() // p at key i
		MOVQ(pp, pk)
		// key adds key k of the pair at po, pk.
		key := func(k int) {
			row := GP64()
			MOVQ(Mem{Base: po, Disp: 8 * k}, row)
			ADDQ(d, row) // element offset of the chunk in v
			ws := make([]VecVirtual, rows)
			for r := range rows {
				ws[r] = s.vec()
				VBROADCASTSS(rowMem(pk, psb, ps3, r, 4*k), ws[r])
			}
			for b := range blocks {
				even, odd := s.vec(), s.vec()
				s.loadInts(Mem{Base: pv, Index: row, Scale: 2, Disp: b * s.bytes()}, even)
				s.and(mask, even, odd)
				VPSLLD(U8(16), even, even)
				for r := range rows {
					VFMADD231PS(even, ws[r], a[r][2*b])
					VFMADD231PS(odd, ws[r], a[r][2*b+1])
				}
			}
		}
		// two keys a step, then the last one
		Label(lbl + "_key2")
		CMPQ(keys, U8(2))
		JB(label(lbl + "_key1"))
		key(0)
		key(1)
		ADDQ(U32(16), po)
		ADDQ(U32(8), pk)
		SUBQ(U8(2), keys)
		JMP(label(lbl + "_key2"))
		Label(lbl + "_key1")
		TESTQ(keys, keys)
		JZ(label(lbl + "_keyend"))
		key(0)
		Label(lbl + "_keyend")
		for r := range rows {
			for u := range 2 * blocks {
				VMOVUPS(a[r][u], rowMem(ac, dvb, dv3, r, u*s.bytes()))
			}
		}
		ADDQ(U32(2*blocks*s.lanes), d)
		JMP(label(lbl))
		Label(lbl + "_end")
	}
	blocks := max(1, 4/rows) // 2·rows·blocks accumulators: eight chains
	chunk(fmt.Sprintf("blocks%d", blocks), blocks)
	if blocks > 1 {
		chunk("blocks1", 1)
	}
}
