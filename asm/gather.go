package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genDotsGather emits dotsGather<R>(x, xstride, q, d, scale, k, offs):
// x[r·xstride+i] = scale·Σ_c q[r·d+c]·k[offs[i]+c] for the R rows r of q
// (d floats each) and the keys i < len(offs), k float32 or bfloat16:
// attention's logits over gathered key rows, each sum multiplied by
// scale once. Keys are taken three at a time for three or four rows, two
// for fewer (then one at a time); each key vector is loaded (widened)
// once for the R rows and each q vector once for the keys taken
// together. Rows ≤ 2 keep two accumulators per (row, key) so that at
// least four FMA chains are in flight.
func genDotsGather(s isa, rows int, bf16 bool) {
	typ, kt := "", "[]float32"
	if bf16 {
		typ, kt = "BF16", "[]uint16"
	}
	name := s.name(fmt.Sprintf("dotsGather%s%d", typ, rows))
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, q []float32, d int, scale float32, k "+kt+", offs []int)")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("sets x[r·xstride+i] = scale·Σ_c q[r·d+c]·k[offs[i]+c] for r < %d, i < len(offs), c < d rounded down (one rounded product by scale).", rows), s.lanes)
	esz := 4
	if bf16 {
		esz = 2
	}
	unroll := 1
	if rows <= 2 {
		unroll = 2
	}
	n, qrow, po, keys, px := loadGatherArgs(rows, s.lanes)

	// body emits the groups of nk keys; their columns go unroll vectors a
	// step, then one vector a step.
	body := func(lbl string, nk int) {
		s.gatherGroups(lbl, rows, nk, unroll, esz, po, keys, px, func(kp []Register, qc Register, acc [][][]VecVirtual) {
			cnt := GP64()
			MOVQ(n, cnt)
			step := func(cl string, units int) {
				Label(cl)
				CMPQ(cnt, U32(units*s.lanes))
				JB(label(cl + "_end"))
				var kv [3][2]VecVirtual
				for i := range nk {
					for u := range units {
						kv[i][u] = s.vec()
						m := Mem{Base: kp[i], Disp: u * s.lanes * esz}
						if bf16 {
							s.loadBF16(m, kv[i][u])
						} else {
							VMOVUPS(m, kv[i][u])
						}
					}
				}
				for r := range rows {
					for u := range units {
						// a q vector is loaded once for the nk keys
						var qv Op = qrow(qc, r, u*s.bytes())
						if nk > 1 {
							v := s.vec()
							VMOVUPS(qv, v)
							qv = v
						}
						for i := range nk {
							VFMADD231PS(qv, kv[i][u], acc[r][i][u])
						}
					}
				}
				for i := range nk {
					ADDQ(U32(units*s.lanes*esz), kp[i])
				}
				ADDQ(U32(units*s.bytes()), qc)
				SUBQ(U32(units*s.lanes), cnt)
				JMP(label(cl))
				Label(cl + "_end")
			}
			if unroll == 2 {
				step(lbl+"_c2", 2)
			}
			step(lbl+"_c1", 1)
		})
	}
	if rows >= 3 { // 3·rows accumulators and three key vectors fit 16 registers
		body("keys3", 3)
	} else {
		body("keys2", 2)
	}
	body("keys1", 1)
	finish()
}

// scaledSum is one accumulator of a gathered dot kernel: its lanes add up
// to the dot product of row r, stored disp bytes into that row of x.
type scaledSum struct {
	v    VecVirtual
	r    int
	disp int
}

// storeScaledSums reduces every sum, multiplies it by the float32
// parameter scale (one rounding) and stores it at x + r·xstride·4 + disp
// (px: x's base; xstride: the int parameter), four at a time with AVX2.
func (s isa) storeScaledSums(px Register, rows int, sums []scaledSum) {
	dst := xRows(px, rows)
	sc := s.broadcastParam("scale").AsX()
	for len(sums) > 0 {
		g := min(4, len(sums))
		if g == 1 || s.wide() { // VHADDPS has no EVEX form: hsum4 needs X0–X15
			sum := s.hsum(sums[0].v)
			VMULSS(sc, sum, sum)
			VMOVSS(sum, dst(sums[0].r, sums[0].disp))
			sums = sums[1:]
			continue
		}
		var v4 [4]VecVirtual
		for i := range v4 {
			if i < g {
				v4[i] = sums[i].v
			} else { // hsum4 works in place: pad with zeros
				v4[i] = s.vec()
				s.zero(v4[i])
			}
		}
		sum := s.hsum4(v4)
		VMULPS(sc, sum, sum)
		for i := 0; i < g; i++ {
			m := dst(sums[i].r, sums[i].disp)
			// lanes 0, 1 or 2, 3 bound for adjacent floats: one store
			if i%2 == 0 && i+1 < g && sums[i+1].r == sums[i].r && sums[i+1].disp == sums[i].disp+4 {
				if i == 0 {
					VMOVLPS(sum, m)
				} else {
					VMOVHPS(sum, m)
				}
				i++
				continue
			}
			if i == 0 {
				VMOVSS(sum, m)
			} else {
				VEXTRACTPS(U8(i), sum, m)
			}
		}
		sums = sums[g:]
	}
}

// xRows returns the addressing of rows r < rows of x (px: x's base; the
// int parameter xstride: the row stride in floats): row r plus disp bytes.
func xRows(px Register, rows int) func(r, disp int) Mem {
	xs := Load(Param("xstride"), GP64())
	SHLQ(U8(2), xs)
	var xs3 Register
	if rows >= 3 {
		xs3 = GP64()
		LEAQ(Mem{Base: xs, Index: xs, Scale: 2}, xs3)
	}
	return func(r, disp int) Mem { return rowMem(px, xs, xs3, r, disp) }
}

// rowMem addresses row r < 4 of a matrix at b, plus disp bytes: st is
// the row stride in bytes and st3 three times it.
func rowMem(b, st, st3 Register, r, disp int) Mem {
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

// storeTransposed multiplies the sums of a four-key group, lane 4r+i
// holding row r's sum for key i (transposeSums4x4), by the float32
// parameter scale and stores row r's four at x + r·xstride·4 for r <
// rows: one 16-byte store per row.
func (s isa) storeTransposed(px Register, rows int, t VecVirtual) {
	dst := xRows(px, rows)
	VMULPS(s.broadcastParam("scale"), t, t)
	for r := range rows {
		if r == 0 {
			VMOVUPS(t.AsX(), dst(0, 0))
			continue
		}
		VEXTRACTF32X4(U8(r), t, dst(r, 0))
	}
}

// gatherGroups emits the key-group loop of a gathered dot kernel of rows
// rows: while at least nk keys remain, it points kp[i] at key i's row
// (offs[i] elements of esz bytes past k) and qc at q, zeroes per
// accumulators acc[r][i] for each row r and key i, and lets cols emit
// the column loop; it then adds each (row, key)'s accumulators, stores
// their sum times scale to x[r·xstride+i] and moves offs, x and the key
// count on by nk. The labels start with lbl.
func (s isa) gatherGroups(lbl string, rows, nk, per, esz int, po, keys, px Register, cols func(kp []Register, qc Register, acc [][][]VecVirtual)) {
	s.gatherGroupsOf("k", lbl, rows, nk, per, esz, po, keys, px, cols)
}

// groupHook, when not nil, is emitted in every group of keys of
// gatherGroupsOf right after its products, before their sums are reduced.
var groupHook func()

// gatherGroupsOf is gatherGroups with the key rows in the slice parameter
// named kname.
func (s isa) gatherGroupsOf(kname, lbl string, rows, nk, per, esz int, po, keys, px Register, cols func(kp []Register, qc Register, acc [][][]VecVirtual)) {
	Label(lbl)
	CMPQ(keys, U32(nk))
	JB(label(lbl + "_end"))
	pk := Load(Param(kname).Base(), GP64())
	kp := make([]Register, nk)
	for i := range kp {
		kp[i] = GP64()
		MOVQ(Mem{Base: po, Disp: 8 * i}, kp[i])
		LEAQ(Mem{Base: pk, Index: kp[i], Scale: uint8(esz)}, kp[i])
	}
	qc := Load(Param("q").Base(), GP64())
	acc := make([][][]VecVirtual, rows)
	var all []Register
	for r := range acc {
		acc[r] = make([][]VecVirtual, nk)
		for i := range nk {
			for range per {
				v := s.vec()
				acc[r][i] = append(acc[r][i], v)
				all = append(all, v)
			}
		}
	}
	s.zeroAll(all...)
	cols(kp, qc, acc)
	if groupHook != nil {
		groupHook()
	}
	var sums []scaledSum
	var t [4][4]VecVirtual
	for r := range rows {
		for i := range nk {
			v := acc[r][i][0]
			for _, a := range acc[r][i][1:] {
				VADDPS(a, v, v)
			}
			sums = append(sums, scaledSum{v, r, 4 * i})
			t[r][i] = v
		}
	}
	if s.wide() && nk == 4 {
		s.storeTransposed(px, rows, s.transposeSums4x4(t))
	} else {
		s.storeScaledSums(px, rows, sums)
	}
	ADDQ(U32(8*nk), po)
	ADDQ(U32(4*nk), px)
	SUBQ(U32(nk), keys)
	JMP(label(lbl))
	Label(lbl + "_end")
}

// loadGatherArgs loads the arguments the gathered dot kernels share (for
// rows rows of q): the columns n (d rounded down to a multiple of block),
// the addressing of q's rows (qrow: row r of the q columns at qc, plus
// disp bytes), the offsets' base po and count keys, and x's base px.
func loadGatherArgs(rows, block int) (n Register, qrow func(qc Register, r, disp int) Mem, po, keys, px Register) {
	qs := Load(Param("d"), GP64())
	n = GP64()
	MOVQ(qs, n)
	ANDQ(I32(-block), n)
	SHLQ(U8(2), qs)
	var qs3 Register
	if rows >= 3 {
		qs3 = GP64()
		LEAQ(Mem{Base: qs, Index: qs, Scale: 2}, qs3)
	}
	qrow = func(qc Register, r, disp int) Mem { return rowMem(qc, qs, qs3, r, disp) }
	po = Load(Param("offs").Base(), GP64())
	keys = Load(Param("offs").Len(), GP64())
	px = Load(Param("x").Base(), GP64())
	return n, qrow, po, keys, px
}
