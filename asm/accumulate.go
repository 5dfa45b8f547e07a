package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genAccumulate emits accumulate<R>(acc, dv, p, pstride, v, offs): for
// the R rows r of acc (dv floats each, R ≤ 6) and the keys i <
// len(offs), acc[r·dv+d] += p[r·pstride+i]·v[offs[i]+d], v float32 or
// bfloat16: the P·V product of attention over gathered value rows. The
// columns are taken two vectors at a time (then one): the R×2
// accumulators stay in registers while every key's row chunk is loaded
// (widened) once and multiplied by the R weights, broadcast, with FMA,
// in key order, two keys a loop step.
func genAccumulate(s isa, rows int, bf16 bool) {
	typ, vt, esz := "", "[]float32", 4
	if bf16 {
		typ, vt, esz = "BF16", "[]uint16", 2
	}
	name := s.name(fmt.Sprintf("accumulate%s%d", typ, rows))
	TEXT(name, NOSPLIT, "func(acc []float32, dv int, p []float32, pstride int, v "+vt+", offs []int)")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("sets acc[r·dv+d] += Σ_i p[r·pstride+i]·v[offs[i]+d] for r < %d, i < len(offs), d < dv (FMA, keys in order).", rows), s.lanes)
	dvb := Load(Param("dv"), GP64())
	n := GP64() // columns handled: dv rounded down to the vector width
	MOVQ(dvb, n)
	ANDQ(I32(-s.lanes), n)
	SHLQ(U8(2), dvb) // row stride of acc in bytes
	psb := Load(Param("pstride"), GP64())
	SHLQ(U8(2), psb)
	pv := base("v")
	d := GP64() // the current column
	XORQ(d, d)
	chunk := func(lbl string, units int) {
		end := roundDown(n, units*s.lanes)
		Label(lbl)
		CMPQ(d, end)
		JAE(label(lbl + "_end"))
		var a [6][2]VecVirtual // rows ≤ 6
		ac := Load(Param("acc").Base(), GP64())
		LEAQ(Mem{Base: ac, Index: d, Scale: 4}, ac)
		ac3 := rowsBase(ac, dvb, rows)
		for r := range rows {
			for u := range units {
				a[r][u] = s.vec()
				VMOVUPS(tileRow(ac, ac3, dvb, r, u*s.bytes()), a[r][u])
			}
		}
		po := Load(Param("offs").Base(), GP64())
		keys := Load(Param("offs").Len(), GP64())
		pk := Load(Param("p").Base(), GP64()) // p at key i
		pk3 := rowsBase(pk, psb, rows)
		// one key: its row chunk (offset at po + 8·k) and its rows'
		// weights (at 4·k bytes past pk, pk3)
		key := func(k int) {
			row := GP64()
			MOVQ(Mem{Base: po, Disp: 8 * k}, row)
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
				VBROADCASTSS(tileRow(pk, pk3, psb, r, 4*k), w)
				for u := range units {
					VFMADD231PS(x[u], w, a[r][u])
				}
			}
		}
		advance := func(k int) {
			ADDQ(U32(8*k), po)
			ADDQ(U32(4*k), pk)
			if pk3 != nil {
				ADDQ(U32(4*k), pk3)
			}
			SUBQ(U32(k), keys)
		}
		Label(lbl + "_key2") // two keys a step
		CMPQ(keys, U32(2))
		JB(label(lbl + "_key1"))
		key(0)
		key(1)
		advance(2)
		JMP(label(lbl + "_key2"))
		Label(lbl + "_key1")
		TESTQ(keys, keys)
		JZ(label(lbl + "_keyend"))
		key(0)
		advance(1)
		Label(lbl + "_keyend")
		for r := range rows {
			for u := range units {
				VMOVUPS(a[r][u], tileRow(ac, ac3, dvb, r, u*s.bytes()))
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
