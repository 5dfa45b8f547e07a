package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// elemKind is how a kernel reads a row of floats: its name suffix, Go
// element type and size, and how a vector of them is loaded as float32.
type elemKind struct {
	suffix, goType string
	size           int
	load           func(s isa, m Mem, v Register)
}

var (
	elemF32  = elemKind{"", "float32", 4, func(s isa, m Mem, v Register) { VMOVUPS(m, v) }}
	elemBF16 = elemKind{"BF16", "uint16", 2, func(s isa, m Mem, v Register) { s.loadBF16(m, v) }}
	elemF16  = elemKind{"F16", "uint16", 2, func(s isa, m Mem, v Register) { VCVTPH2PS(m, v) }}
)

// genMinMaxRows emits minMaxRows<kind>(mn, mx, k, stride, rows): mn[e]
// and mx[e] become the minimum and maximum over the rows r < rows (at
// least one) of the widened k[r·stride+e], for e < len(mn) rounded down
// to the vector width, with Go's min and max for values that are not
// NaN. Go's min returns the bits of either operand where they differ in
// value and their OR where they are zeros (−0 wins); VMINPS returns its
// second operand when they are equal, so the kernel ORs the results of
// both operand orders (AND for the maximum, where +0 wins). Where a NaN
// takes part, one order returns it, and the OR of a NaN with anything is
// a NaN: a column that met a NaN ends with a NaN minimum. The kernel
// reports whether any did (then the caller takes the plain-Go loop, which
// keeps Go's NaN payloads). Columns are taken several vectors at a time,
// their minima and maxima kept in registers over all rows.
func genMinMaxRows(s isa, kind elemKind) {
	if kind.size == 2 {
		genMinMaxRows16(s, kind)
		return
	}
	name := s.name("minMaxRows" + kind.suffix)
	TEXT(name, NOSPLIT, "func(mn, mx []float32, k []"+kind.goType+", stride int, rows int) (nan bool)")
	Pragma("noescape")
	s.doc(name, "sets mn[e], mx[e] to the minimum and maximum of the rows r < rows of k[r·stride+e] (Go's min and max) and reports whether a NaN took part.", s.lanes)
	pmn, pmx, pk := base("mn"), base("mx"), base("k")
	n := length("mn", s.lanes)
	sb := Load(Param("stride"), GP64())
	SHLQ(U8(map[int]uint8{2: 1, 4: 2}[kind.size]), sb) // the row stride in bytes
	rows := Load(Param("rows"), GP64())
	flag := GP32()
	XORL(flag, flag)
	i := GP64()
	XORQ(i, i)
	chunk := func(lbl string, units int) {
		end := roundDown(n, units*s.lanes)
		loop(lbl, i, end, units*s.lanes, func() {
			pr := GP64()
			LEAQ(Mem{Base: pk, Index: i, Scale: uint8(kind.size)}, pr)
			mn, mx := make([]VecVirtual, units), make([]VecVirtual, units)
			for u := range units {
				mn[u], mx[u] = s.vec(), s.vec()
				kind.load(s, Mem{Base: pr, Disp: u * s.lanes * kind.size}, mn[u])
				VMOVAPS(mn[u], mx[u])
			}
			r := GP64()
			MOVQ(U64(1), r)
			loop(lbl+"_rows", r, rows, 1, func() {
				ADDQ(sb, pr)
				for u := range units {
					x, a, b := s.vec(), s.vec(), s.vec()
					kind.load(s, Mem{Base: pr, Disp: u * s.lanes * kind.size}, x)
					VMINPS(mn[u], x, a) // x < mn ? x : mn
					VMINPS(x, mn[u], b) // mn < x ? mn : x
					s.or(a, b, mn[u])
					VMAXPS(mx[u], x, a)
					VMAXPS(x, mx[u], b)
					s.and(a, b, mx[u])
				}
			})
			for u := range units {
				VMOVUPS(mn[u], f32(pmn, i, u*s.lanes))
				VMOVUPS(mx[u], f32(pmx, i, u*s.lanes))
			}
			// Any NaN minimum?
			if s.wide() {
				k := K()
				for u := range units {
					if u == 0 {
						VCMPPS(U8(3), mn[u], mn[u], k)
					} else {
						k2 := K()
						VCMPPS(U8(3), mn[u], mn[u], k2)
						KORW(k2, k, k)
					}
				}
				KORTESTW(k, k)
				JZ(label(lbl + "_ordered"))
				MOVL(U32(1), flag)
				Label(lbl + "_ordered")
			} else {
				var any VecVirtual
				for u := range units {
					c := s.vec()
					VCMPPS(U8(3), mn[u], mn[u], c)
					if any == nil {
						any = c
					} else {
						VORPS(c, any, any)
					}
				}
				bits := GP32()
				VMOVMSKPS(any, bits)
				ORL(bits, flag)
			}
		})
	}
	s.columnChunks(chunk)
	TESTL(flag, flag)
	SETNE(resultAddr()) // whether a NaN was met
	finish()
}

// columnChunks emits chunk over groups of 2 column vectors (AVX2) or 4
// (AVX-512), then over single vectors, each loop labelled by its width.
func (s isa) columnChunks(chunk func(name string, units int)) {
	units := 2
	if s.wide() {
		units = 4
	}
	chunk(fmt.Sprintf("cols%d", units), units)
	chunk("cols1", 1)
}

// genMinMaxRows16 is genMinMaxRows for 16-bit rows (bfloat16 and
// binary16, both sign and magnitude), reduced in their own 16-bit lanes,
// twice the columns of a float32 vector at a time: each element x is
// mapped to x XOR ((x >> 15 arithmetic) >> 1 logical), which orders as
// signed integers as the values do with −0 below +0 (the map flips the
// magnitude bits of negative elements; it is its own inverse), so that
// VPMINSW and VPMAXSW give Go's min and max of the widened values; the
// results are mapped back and widened exactly (bfloat16 by a shift,
// binary16 by VCVTPH2PS). NaNs map beyond the infinities: a column met
// one when its mapped maximum is above +Inf's or its minimum below
// −Inf's, which the kernel reports as genMinMaxRows does. len(mn) is
// rounded down to twice the float32 vector width.
func genMinMaxRows16(s isa, kind elemKind) {
	name := s.name("minMaxRows" + kind.suffix)
	TEXT(name, NOSPLIT, "func(mn, mx []float32, k []"+kind.goType+", stride int, rows int) (nan bool)")
	Pragma("noescape")
	s.doc(name, "sets mn[e], mx[e] to the minimum and maximum of the rows r < rows of k[r·stride+e] (Go's min and max of the widened values) for e < len(mn) rounded down to twice the vector width, and reports whether a NaN took part.", s.lanes)
	lanes := 2 * s.lanes // 16-bit lanes of a vector
	pmn, pmx, pk := base("mn"), base("mx"), base("k")
	n := length("mn", lanes)
	sb := Load(Param("stride"), GP64())
	SHLQ(U8(1), sb) // the row stride in bytes
	rows := Load(Param("rows"), GP64())
	posInf, negInf := uint16(0x7f80), uint16(0xff80)
	if kind.suffix == "F16" {
		posInf, negInf = 0x7c00, 0xfc00
	}
	negInfMapped := negInf ^ 0x7fff
	// the bounds, broadcast: +Inf and mapped −Inf
	hiB, loB := s.vec(), s.vec()
	bc := GP32()
	MOVL(U32(uint32(posInf)|uint32(posInf)<<16), bc)
	VMOVD(bc, hiB.AsX())
	VPBROADCASTD(hiB.AsX(), hiB)
	MOVL(U32(uint32(negInfMapped)|uint32(negInfMapped)<<16), bc)
	VMOVD(bc, loB.AsX())
	VPBROADCASTD(loB.AsX(), loB)
	flag := GP32()
	XORL(flag, flag)
	i := GP64()
	XORQ(i, i)
	xor := func(a, b, d Op) { VPXOR(a, b, d) }
	mov := func(a, d Op) { VMOVDQU(a, d) }
	if s.wide() {
		xor = func(a, b, d Op) { VPXORD(a, b, d) }
		mov = func(a, d Op) { VMOVDQU16(a, d) }
	}
	unmap := func(v VecVirtual) { // and map: the map is its own inverse
		t := s.vec()
		VPSRAW(U8(15), v, t)
		VPSRLW(U8(1), t, t)
		xor(t, v, v)
	}
	mapped := func(m Mem, v VecVirtual) {
		mov(m, v)
		unmap(v)
	}
	widenStore := func(v VecVirtual, p Register, col int) {
		for half := range 2 {
			var src Register
			if s.wide() {
				src = v.AsY()
				if half == 1 {
					h := YMM()
					VEXTRACTI64X4(U8(1), v, h)
					src = h
				}
			} else {
				src = v.AsX()
				if half == 1 {
					h := XMM()
					VEXTRACTI128(U8(1), v, h)
					src = h
				}
			}
			w := s.vec()
			if kind.suffix == "F16" {
				VCVTPH2PS(src, w)
			} else {
				VPMOVZXWD(src, w)
				VPSLLD(U8(16), w, w)
			}
			VMOVUPS(w, f32(p, i, col+half*s.lanes))
		}
	}
	chunk := func(lbl string, units int) {
		end := roundDown(n, units*lanes)
		loop(lbl, i, end, units*lanes, func() {
			pr := GP64()
			LEAQ(Mem{Base: pk, Index: i, Scale: 2}, pr)
			mn, mx := make([]VecVirtual, units), make([]VecVirtual, units)
			for u := range units {
				mn[u], mx[u] = s.vec(), s.vec()
				mapped(Mem{Base: pr, Disp: u * lanes * 2}, mn[u])
				mov(mn[u], mx[u])
			}
			r := GP64()
			MOVQ(U64(1), r)
			loop(lbl+"_rows", r, rows, 1, func() {
				ADDQ(sb, pr)
				for u := range units {
					x := s.vec()
					mapped(Mem{Base: pr, Disp: u * lanes * 2}, x)
					VPMINSW(x, mn[u], mn[u])
					VPMAXSW(x, mx[u], mx[u])
				}
			})
			// Any NaN: a maximum above +Inf or a minimum below −Inf (mapped)?
			hi, lo := s.vec(), s.vec()
			mov(mx[0], hi)
			mov(mn[0], lo)
			for u := 1; u < units; u++ {
				VPMAXSW(mx[u], hi, hi)
				VPMINSW(mn[u], lo, lo)
			}
			if s.wide() {
				k1, k2 := K(), K()
				VPCMPGTW(hiB, hi, k1) // hi > +Inf
				VPCMPGTW(lo, loB, k2) // −Inf > lo
				KORD(k2, k1, k1)
				KORTESTD(k1, k1)
				JZ(label(lbl + "_ordered"))
				MOVL(U32(1), flag)
				Label(lbl + "_ordered")
			} else {
				VPCMPGTW(hiB, hi, hi)
				VPCMPGTW(lo, loB, lo)
				VPOR(lo, hi, hi)
				bits := GP32()
				VPMOVMSKB(hi, bits)
				ORL(bits, flag)
			}
			for u := range units {
				unmap(mn[u])
				unmap(mx[u])
				widenStore(mn[u], pmn, u*lanes)
				widenStore(mx[u], pmx, u*lanes)
			}
		})
	}
	s.columnChunks(chunk)
	TESTL(flag, flag)
	SETNE(resultAddr()) // whether a NaN was met
	finish()
}
