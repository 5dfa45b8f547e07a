package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genAccumulate emits accumulate<R>(acc, dv, p, pstride, v, offs): for
// the R rows r of acc (dv floats each) and the keys i < len(offs),
// acc[r·dv+d] += p[r·pstride+i]·v[offs[i]+d], v float32 or bfloat16: the
// P·V product of attention over gathered value rows. The columns are
// taken two vectors at a time (then one): the R×2 accumulators stay in
// registers while every key's row chunk is loaded (widened) once and
// multiplied by the R weights, broadcast, with FMA, in key order.
func genAccumulate(s isa, rows int, bf16 bool) {
	typ, vt := "", "[]float32"
	if bf16 {
		typ, vt = "BF16", "[]uint16"
	}
	name := s.name(fmt.Sprintf("accumulate%s%d", typ, rows))
	TEXT(name, NOSPLIT, "func(acc []float32, dv int, p []float32, pstride int, v "+vt+", offs []int)")
	s.doc(name, fmt.Sprintf("sets acc[r·dv+d] += Σ_i p[r·pstride+i]·v[offs[i]+d] for r < %d, i < len(offs), d < dv (FMA, keys in order).", rows), s.lanes)
	pa, pp, pv := base("acc"), base("p"), base("v")
	dvb := Load(Param("dv"), GP64())
	n := GP64() // columns handled: dv rounded down to the vector width
	MOVQ(dvb, n)
	ANDQ(I32(-s.lanes), n)
	SHLQ(U8(2), dvb) // row stride of acc in bytes
	psb := Load(Param("pstride"), GP64())
	SHLQ(U8(2), psb)
	var dv3, ps3 Register
	if rows == 4 {
		dv3, ps3 = GP64(), GP64()
		LEAQ(Mem{Base: dvb, Index: dvb, Scale: 2}, dv3)
		LEAQ(Mem{Base: psb, Index: psb, Scale: 2}, ps3)
	}
	// row r of a matrix at base b with row stride st (bytes).
	rowMem := func(b, st, st3 Register, r, disp int) Mem {
		switch r {
		case 0:
			return Mem{Base: b, Disp: disp}
		case 1:
			return Mem{Base: b, Index: st, Scale: 1, Disp: disp}
		case 2:
			return Mem{Base: b, Index: st, Scale: 2, Disp: disp}
		}
		return Mem{Base: b, Index: st3, Scale: 1, Disp: disp}
	}
	esz := 4
	if bf16 {
		esz = 2
	}
	d := GP64() // the current column
	XORQ(d, d)
	chunk := func(lbl string, units int) {
		end := roundDown(n, units*s.lanes)
		Label(lbl)
		CMPQ(d, end)
		JAE(label(lbl + "_end"))
		var a [4][2]VecVirtual
		ac := GP64() // acc at column d
		LEAQ(Mem{Base: pa, Index: d, Scale: 4}, ac)
		for r := range rows {
			for u := range units {
				a[r][u] = s.vec()
				VMOVUPS(rowMem(ac, dvb, dv3, r, u*s.bytes()), a[r][u])
			}
		}
		po := Load(Param("offs").Base(), GP64())
		keys := Load(Param("offs").Len(), GP64())
		pk := GP64() // p at key i
		MOVQ(pp, pk)
		Label(lbl + "_key")
		TESTQ(keys, keys)
		JZ(label(lbl + "_keyend"))
		row := GP64()
		MOVQ(Mem{Base: po}, row)
		ADDQ(d, row) // element offset of the chunk in v
		var x [2]VecVirtual
		for u := range units {
			x[u] = s.vec()
			m := Mem{Base: pv, Index: row, Scale: uint8(esz), Disp: u * s.lanes * esz}
			if bf16 {
				s.loadBF16(m, x[u])
			} else {
				VMOVUPS(m, x[u])
			}
		}
		for r := range rows {
			w := s.vec()
			VBROADCASTSS(rowMem(pk, psb, ps3, r, 0), w)
			for u := range units {
				VFMADD231PS(x[u], w, a[r][u])
			}
		}
		ADDQ(U32(8), po)
		ADDQ(U32(4), pk)
		DECQ(keys)
		JMP(label(lbl + "_key"))
		Label(lbl + "_keyend")
		for r := range rows {
			for u := range units {
				VMOVUPS(a[r][u], rowMem(ac, dvb, dv3, r, u*s.bytes()))
			}
		}
		ADDQ(U32(units*s.lanes), d)
		JMP(label(lbl))
		Label(lbl + "_end")
	}
	chunk("cols2", 2)
	chunk("cols1", 1)
	finish()
}
