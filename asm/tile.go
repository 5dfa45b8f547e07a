package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The register-tile kernels of attention over many lanes (prefill): the
// logits as an outer product over a transposed key block, P·V with six
// rows at a time, and the transposition that feeds the first. Each keeps
// a tile of up to 6×2 vector accumulators in registers and loads, per
// step, two vectors and one broadcast per row: 12 FMAs for 8 loads, so
// the FMA units, not the loads, set the pace, and no horizontal sums.

// tileRow addresses row r (< 6) of a matrix whose rows 0–2 start at b0
// and rows 3–5 at b3, st bytes apart.
func tileRow(b0, b3, st Register, r, disp int) Mem {
	b := b0
	if r >= 3 {
		b, r = b3, r-3
	}
	if r == 0 {
		return Mem{Base: b, Disp: disp}
	}
	return Mem{Base: b, Index: st, Scale: uint8(r), Disp: disp}
}

// rowsBase returns a register pointing at row 3 of a matrix at b with
// row stride st bytes (nil when rows ≤ 3).
func rowsBase(b, st Register, rows int) Register {
	if rows <= 3 {
		return nil
	}
	b3 := GP64()
	LEAQ(Mem{Base: st, Index: st, Scale: 2}, b3)
	ADDQ(b, b3)
	return b3
}

// genDotsT emits dotsT<R>(x, xstride, q, d, scale, kt, ktstride, nk):
// x[r·xstride+i] = scale·Σ_c q[r·d+c]·kt[c·ktstride+i] for the rows r of
// q (len(q)/d, a multiple of R) and the keys i < nk
// (rounded down to the vector width): the logits of query rows over a key
// block stored transposed (one row of kt per column c). Keys are taken
// two vectors at a time (then one), and for each such slice of kt every
// group of R rows in turn, so that the slice stays in the L1 cache while
// the rows stream past it; for each c the key vectors are loaded once
// and each q[r·d+c] broadcast once, and every sum accumulates its columns
// in order with FMA before one rounded multiplication by scale.
func genDotsT(s isa, rows int) {
	name := s.name(fmt.Sprintf("dotsT%d", rows))
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, q []float32, d int, scale float32, kt []float32, ktstride int, nk int)")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("sets x[r·xstride+i] = scale·Σ_c q[r·d+c]·kt[c·ktstride+i] for r < len(q)/d (a multiple of %d), c < d, i < nk (FMA, columns in order; one rounded product by scale).", rows), s.lanes)
	qs := Load(Param("d"), GP64())
	SHLQ(U8(2), qs)                        // row stride of q in bytes
	qend := Load(Param("q").Len(), GP64()) // the end of q: whole groups of R rows
	qb := Load(Param("q").Base(), GP64())
	LEAQ(Mem{Base: qb, Index: qend, Scale: 4}, qend)
	kts := Load(Param("ktstride"), GP64())
	SHLQ(U8(2), kts)
	nk := Load(Param("nk"), GP64())
	ANDQ(I32(-s.lanes), nk)
	sc := s.broadcastParam("scale")
	i := GP64() // the current key
	XORQ(i, i)
	chunk := func(lbl string, units int) {
		end := roundDown(nk, units*s.lanes)
		Label(lbl)
		CMPQ(i, end)
		JAE(label(lbl + "_end"))
		qg := Load(Param("q").Base(), GP64()) // the group's first q row
		xg := Load(Param("x").Base(), GP64()) // the group's first x row
		LEAQ(Mem{Base: xg, Index: i, Scale: 4}, xg)
		Label(lbl + "_g")
		CMPQ(qg, qend)
		JAE(label(lbl + "_gend"))
		var acc [6][2]VecVirtual
		for r := range rows {
			for u := range units {
				acc[r][u] = s.vec()
				s.zero(acc[r][u])
			}
		}
		qc := GP64()
		MOVQ(qg, qc)
		qc3 := rowsBase(qc, qs, rows)
		kc := Load(Param("kt").Base(), GP64())
		LEAQ(Mem{Base: kc, Index: i, Scale: 4}, kc)
		cnt := Load(Param("d"), GP64())
		// one column: its key vectors (kt row at kc + disp bytes) and
		// the rows' q elements (at qoff bytes past qc, qc3)
		column := func(kd Mem, qoff int) {
			var kv [2]VecVirtual
			for u := range units {
				kv[u] = s.vec()
				kd.Disp = u * s.bytes()
				VMOVUPS(kd, kv[u])
			}
			for r := range rows {
				w := s.vec()
				VBROADCASTSS(tileRow(qc, qc3, qs, r, qoff), w)
				for u := range units {
					VFMADD231PS(kv[u], w, acc[r][u])
				}
			}
		}
		advance := func(cols int) {
			ADDQ(U32(4*cols), qc)
			if qc3 != nil {
				ADDQ(U32(4*cols), qc3)
			}
			for range cols {
				ADDQ(kts, kc)
			}
			SUBQ(U32(cols), cnt)
		}
		Label(lbl + "_c2") // two columns a step
		CMPQ(cnt, U32(2))
		JB(label(lbl + "_c1"))
		column(Mem{Base: kc}, 0)
		column(Mem{Base: kc, Index: kts, Scale: 1}, 4)
		advance(2)
		JMP(label(lbl + "_c2"))
		Label(lbl + "_c1")
		TESTQ(cnt, cnt)
		JZ(label(lbl + "_cend"))
		column(Mem{Base: kc}, 0)
		advance(1)
		Label(lbl + "_cend")
		xs := Load(Param("xstride"), GP64())
		SHLQ(U8(2), xs)
		xc3 := rowsBase(xg, xs, rows)
		for r := range rows {
			for u := range units {
				VMULPS(sc, acc[r][u], acc[r][u])
				VMOVUPS(acc[r][u], tileRow(xg, xc3, xs, r, u*s.bytes()))
			}
		}
		// next group: R rows on
		for range rows {
			ADDQ(qs, qg)
			ADDQ(xs, xg)
		}
		JMP(label(lbl + "_g"))
		Label(lbl + "_gend")
		ADDQ(U32(units*s.lanes), i)
		JMP(label(lbl))
		Label(lbl + "_end")
	}
	chunk("keys2", 2)
	chunk("keys1", 1)
	finish()
}

// genTranspose emits transpose(kt, ktstride, k, offs, d), AVX2 only (an
// AVX-512 machine runs it too): kt[c·ktstride+i] = k[offs[i]+c] for the
// keys i < len(offs) and the columns c < d, both rounded down to 8, k
// float32 or bfloat16 (widened exactly): gathered key rows stored
// transposed for dotsT. Each 8×8 block is loaded as eight row vectors,
// transposed in registers (unpack, shuffle, lane permute) and stored as
// eight column vectors.
func genTranspose(bf16 bool) {
	s := avx2
	typ, kt := "", "[]float32"
	esz := 4
	if bf16 {
		typ, kt, esz = "BF16", "[]uint16", 2
	}
	name := s.name("transpose" + typ)
	TEXT(name, NOSPLIT, "func(kt []float32, ktstride int, k "+kt+", offs []int, d int)")
	Pragma("noescape")
	Doc(name+" sets kt[c·ktstride+i] = k[offs[i]+c] for i < len(offs) and c < d, both rounded down to 8 (the caller handles the rest).",
		"It is used at every SIMD level.")
	kts := Load(Param("ktstride"), GP64())
	SHLQ(U8(2), kts)
	kts3 := GP64()
	LEAQ(Mem{Base: kts, Index: kts, Scale: 2}, kts3)
	keys := Load(Param("offs").Len(), GP64())
	ANDQ(I32(-8), keys)
	po := Load(Param("offs").Base(), GP64())
	ktb := Load(Param("kt").Base(), GP64()) // kt at key i, column 0
	Label("keys")
	TESTQ(keys, keys)
	JZ(label("done"))
	cnt := Load(Param("d"), GP64())
	SHRQ(U8(3), cnt)
	pkc := Load(Param("k").Base(), GP64()) // k at column c
	kc := GP64()                           // kt at key i, column c
	MOVQ(ktb, kc)
	Label("cols")
	TESTQ(cnt, cnt)
	JZ(label("cols_end"))
	var r [8]VecVirtual
	for j := range r {
		o := GP64()
		MOVQ(Mem{Base: po, Disp: 8 * j}, o)
		r[j] = s.vec()
		m := Mem{Base: pkc, Index: o, Scale: uint8(esz)}
		if bf16 {
			s.loadBF16(m, r[j])
		} else {
			VMOVUPS(m, r[j])
		}
	}
	var t, u [8]VecVirtual
	for h := range 4 {
		a, b := r[2*h], r[2*h+1]
		t[2*h], t[2*h+1] = s.vec(), s.vec()
		VUNPCKLPS(b, a, t[2*h])
		VUNPCKHPS(b, a, t[2*h+1])
	}
	for g := range 2 { // rows 4g…4g+3
		t0, t1, t2, t3 := t[4*g], t[4*g+1], t[4*g+2], t[4*g+3]
		for k := range 4 {
			u[4*g+k] = s.vec()
		}
		VSHUFPS(U8(0x44), t2, t0, u[4*g])   // columns 0, 4
		VSHUFPS(U8(0xee), t2, t0, u[4*g+1]) // columns 1, 5
		VSHUFPS(U8(0x44), t3, t1, u[4*g+2]) // columns 2, 6
		VSHUFPS(U8(0xee), t3, t1, u[4*g+3]) // columns 3, 7
	}
	kc4 := GP64()
	LEAQ(Mem{Base: kc, Index: kts, Scale: 4}, kc4)
	for c := range 4 {
		lo, hi := s.vec(), s.vec()
		VPERM2F128(U8(0x20), u[4+c], u[c], lo)
		VPERM2F128(U8(0x31), u[4+c], u[c], hi)
		VMOVUPS(lo, colMem(kc, kts, kts3, c))
		VMOVUPS(hi, colMem(kc4, kts, kts3, c))
	}
	ADDQ(U32(8*esz), pkc)
	LEAQ(Mem{Base: kc4, Index: kts, Scale: 4}, kc)
	DECQ(cnt)
	JMP(label("cols"))
	Label("cols_end")
	ADDQ(U32(64), po)
	ADDQ(U32(32), ktb)
	SUBQ(U32(8), keys)
	JMP(label("keys"))
	Label("done")
	finish()
}

// colMem addresses row c (< 4) of kt from b, st bytes per row (st3 = 3·st).
func colMem(b, st, st3 Register, c int) Mem {
	switch c {
	case 0:
		return Mem{Base: b}
	case 3:
		return Mem{Base: b, Index: st3, Scale: 1}
	}
	return Mem{Base: b, Index: st, Scale: uint8(c)}
}
