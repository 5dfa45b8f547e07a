package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// transposeSums4x4 adds up the lanes of each of the sixteen AVX-512
// accumulators v[r][i] (row r, key i; a nil entry counts as zero) and
// returns one vector whose lane 4r+i holds the sum of v[r][i]: in each
// 128-bit lane r, row r's sums of keys 0…3 in order. It halves the
// vectors pairwise in four levels (whole 256-bit and 128-bit lanes with
// VSHUFF32X4, then floats within 128-bit lanes with VSHUFPS), 45
// instructions for the sixteen sums instead of eight each. The v are
// overwritten.
func (s isa) transposeSums4x4(v [4][4]VecVirtual) VecVirtual {
	var zero VecVirtual
	or0 := func(x VecVirtual) VecVirtual {
		if x != nil {
			return x
		}
		if zero == nil {
			zero = ZMM()
			s.zero(zero)
		}
		return zero
	}
	// fold adds the two halves chosen by imLo and imHi of a and b
	// (shuffle(imm, b, a): a's pieces first) into a new vector.
	fold := func(shuf func(...Op), imLo, imHi uint8, a, b VecVirtual) VecVirtual {
		lo, hi := ZMM(), ZMM()
		shuf(U8(imLo), b, a, lo)
		shuf(U8(imHi), b, a, hi)
		VADDPS(hi, lo, lo)
		return lo
	}
	var k [4]VecVirtual // per key: 128-bit lane r holds row r's four partial sums
	for i := range 4 {
		var p [2]VecVirtual // rows 2h, 2h+1: 256-bit half each, eight partials
		for h := range 2 {
			a, b := v[2*h][i], v[2*h+1][i]
			if a == nil && b == nil {
				continue
			}
			p[h] = fold(VSHUFF32X4, 0x44, 0xee, or0(a), or0(b))
		}
		k[i] = fold(VSHUFF32X4, 0x88, 0xdd, or0(p[0]), or0(p[1]))
	}
	r01 := fold(VSHUFPS, 0x44, 0xee, k[0], k[1])
	r23 := fold(VSHUFPS, 0x44, 0xee, k[2], k[3])
	return fold(VSHUFPS, 0x88, 0xdd, r01, r23)
}
