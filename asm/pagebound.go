package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// boundPages is the most pages the page-bound kernel of rows rows takes
// together: rows·pages accumulators, each page's minima and maxima, one
// q vector, two products and the check fit the registers (16 with AVX2;
// AVX-512 takes four for its transposing reduction).
func (s isa) boundPages(rows int) int {
	if s.wide() {
		return 4
	}
	return [5]int{0, 4, 3, 2, 2}[rows]
}

// genPageBounds emits pageBounds<R>(x, xstride, q, d, scale, mn, mx,
// offs): x[r·xstride+i] = scale·Σ_c max(q[r·d+c]·mn[offs[i]+c],
// q[r·d+c]·mx[offs[i]+c]) for the R rows r of q, the pages i <
// len(offs) and c < d rounded down to the vector width: Quest's bound
// of each query row over each page from the page's element-wise minima
// and maxima, which sit at the same offsets in mn and mx. Per column
// vector each page's minima and maxima are loaded once for the R rows
// and each q vector once for the pages taken together; the products are
// rounded and their maximum is VMAXPS with the minimum's product as the
// operand returned on a NaN, so that a NaN product of a minimum
// propagates as Go's max does. That holds for the maximum's products too
// only when they cannot be NaN: the kernel adds up every maximum it
// reads and returns false when the sum is not finite (a NaN or infinite
// maximum), and the caller redoes in plain Go the pages of maxima that
// are not finite, and the rows of q that are not (an infinite q makes a
// NaN product of a finite maximum). The sums start at +0, so a −0 from VMAXPS of two zeros never
// shows in them.
func genPageBounds(s isa, rows int) {
	name := s.name(fmt.Sprintf("pageBounds%d", rows))
	TEXT(name, NOSPLIT, "func(x []float32, xstride int, q []float32, d int, scale float32, mn []float32, mx []float32, offs []int) (finite bool)")
	Pragma("noescape")
	s.doc(name, fmt.Sprintf("sets x[r·xstride+i] = scale·Σ_c max(q[r·d+c]·mn[offs[i]+c], q[r·d+c]·mx[offs[i]+c]) for r < %d, i < len(offs), c < d rounded down, and reports whether every maximum read was finite.", rows), s.lanes)
	n, qrow, po, keys, px := loadGatherArgs(rows, s.lanes)
	mxd := base("mx") // mx − mn in bytes
	SUBQ(base("mn"), mxd)
	chk := s.vec() // the sum of every maximum read
	s.zero(chk)
	body := func(lbl string, nk int) {
		s.gatherGroupsOf("mn", lbl, rows, nk, 1, 4, po, keys, px, func(kp []Register, qc Register, acc [][][]VecVirtual) {
			cnt := GP64()
			MOVQ(n, cnt)
			Label(lbl + "_col")
			CMPQ(cnt, U32(s.lanes))
			JB(label(lbl + "_colend"))
			lo, hi := make([]VecVirtual, nk), make([]VecVirtual, nk)
			for i := range nk {
				lo[i], hi[i] = s.vec(), s.vec()
				VMOVUPS(Mem{Base: kp[i]}, lo[i])
				VMOVUPS(Mem{Base: kp[i], Index: mxd, Scale: 1}, hi[i])
				VADDPS(hi[i], chk, chk)
			}
			for r := range rows {
				qv := s.vec() // loaded once for the nk pages
				VMOVUPS(qrow(qc, r, 0), qv)
				for i := range nk {
					a, b := s.vec(), s.vec()
					VMULPS(lo[i], qv, a)
					VMULPS(hi[i], qv, b)
					VMAXPS(a, b, b) // b > a ? b : a, a on a NaN
					VADDPS(b, acc[r][i][0], acc[r][i][0])
				}
			}
			for i := range nk {
				ADDQ(U32(s.bytes()), kp[i])
			}
			ADDQ(U32(s.bytes()), qc)
			SUBQ(U32(s.lanes), cnt)
			JMP(label(lbl + "_col"))
			Label(lbl + "_colend")
		})
	}
	first := s.boundPages(rows)
	body(fmt.Sprintf("pages%d", first), first)
	for _, nk := range []int{2, 1} { // at most one pass each after the first
		if nk < first {
			body(fmt.Sprintf("pages%d", nk), nk)
		}
	}
	// finite: the sum minus itself is 0, not NaN
	t := s.hsum(chk)
	VSUBSS(t, t, t)
	ok := resultAddr()
	VUCOMISS(t, t)
	SETPC(ok)
	finish()
}
