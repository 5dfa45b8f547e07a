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
	units := 2
	if s.wide() {
		units = 4
	}
	chunk(fmt.Sprintf("cols%d", units), units)
	chunk("cols1", 1)
	nan, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	TESTL(flag, flag)
	SETNE(nan.Addr)
	finish()
}
