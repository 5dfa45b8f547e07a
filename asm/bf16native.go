package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX512-BF16 rounding. VCVTNE2PS2BF16 rounds two vectors of float32
// to one of bfloat16 in one instruction, to nearest even, with the NaN
// rule of roundBF16 (upper half, quiet bit set) and the same bits for
// zeros, infinities and overflow; but it reads a subnormal float32 as a
// zero of its sign, where roundBF16 rounds it (to a bfloat16 subnormal,
// zero or the smallest normal). The kernels of the avx512bf16 set
// therefore test the vectors they round for subnormal lanes (VFPCLASSPS,
// AVX512DQ) and round a group that has one with roundBF16 instead, so
// their bits are roundBF16's for every input.
//
// Neither avo nor Go's assembler knows VCVTNE2PS2BF16. cvtne2ps2bf16
// emits it as an avo instruction with virtual registers, so that the
// register allocator treats it as any other; encodeBF16 then replaces
// each such line of the generated file by its EVEX encoding, emitted
// with BYTE directives after a comment naming the instruction.

// cvtne2ps2bf16 sets dst to the bfloat16 of lo's float32 lanes in its
// low 256 bits and those of hi in its high 256 bits, rounded by the
// hardware (VCVTNE2PS2BF16 with Intel operands dst, hi, lo).
func cvtne2ps2bf16(lo, hi, dst Register) {
	Instruction(&ir.Instruction{
		Opcode:   cvtOpcode,
		Operands: []Op{lo, hi, dst},
		Inputs:   []Op{lo, hi},
		Outputs:  []Op{dst},
		ISA:      []string{"AVX512BF16"},
	})
}

const cvtOpcode = "VCVTNE2PS2BF16"

var cvtLine = regexp.MustCompile(`(?m)^(\t+)` + cvtOpcode + ` Z(\d+), Z(\d+), Z(\d+)$`)

// encodeBF16 rewrites every VCVTNE2PS2BF16 line of the assembly file at
// path as its EVEX bytes.
func encodeBF16(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out := cvtLine.ReplaceAllStringFunc(string(src), func(line string) string {
		m := cvtLine.FindStringSubmatch(line)
		var r [3]int
		for i := range r {
			r[i], _ = strconv.Atoi(m[2+i])
		}
		var b []string
		for _, x := range evexCvtne2ps2bf16(r[0], r[1], r[2]) {
			b = append(b, fmt.Sprintf("BYTE $0x%02x", x))
		}
		return fmt.Sprintf("%s// %s\n%s%s", m[1], strings.TrimSpace(line), m[1], strings.Join(b, "; "))
	})
	if regexp.MustCompile(`(?m)^\s*` + cvtOpcode).MatchString(out) {
		return fmt.Errorf("%s: %s left unencoded (not three Z registers)", path, cvtOpcode)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// evexCvtne2ps2bf16 returns the encoding of VCVTNE2PS2BF16 zmm(dst),
// zmm(hi), zmm(lo) (EVEX.512.F2.0F38.W0 72 /r, register form): P0 holds
// the inverted R, X, B, R' bits (bit 3 of dst, bit 4 of lo, bit 3 of lo,
// bit 4 of dst) and map 0F38; P1 W0, the inverted low four bits of hi
// and prefix F2; P2 L'L = 512 bits and the inverted bit 4 of hi; ModRM
// the low three bits of dst and lo.
func evexCvtne2ps2bf16(lo, hi, dst int) []byte {
	inv := func(r, bit int) byte {
		if r&bit == 0 {
			return 1
		}
		return 0
	}
	p0 := inv(dst, 8)<<7 | inv(lo, 16)<<6 | inv(lo, 8)<<5 | inv(dst, 16)<<4 | 0x02
	p1 := byte(^hi&15)<<3 | 0x04 | 0x03
	p2 := 0x40 | inv(hi, 16)<<3
	modrm := 0xc0 | byte(dst&7)<<3 | byte(lo&7)
	return []byte{0x62, p0, p1, p2, 0x72, modrm}
}

// subnormalBranch jumps to target when any lane of the vectors vs holds
// a subnormal float32 (VFPCLASSPS category 0x20), which VCVTNE2PS2BF16
// would read as zero.
func subnormalBranch(target string, vs ...Register) {
	var acc Register
	for _, v := range vs {
		k := K()
		VFPCLASSPSZ(U8(0x20), v, k)
		if acc == nil {
			acc = k
			continue
		}
		KORW(k, acc, acc)
	}
	KORTESTW(acc, acc)
	JNZ(label(target))
}

// roundBF16Groups rounds the float32 vectors lo[v] and hi[v] to
// bfloat16: with the hardware rounding when none of their lanes is
// subnormal (fast gets the vectors r[v], lo[v]'s results in the low half
// and hi[v]'s in the high half), with roundBF16 otherwise (exact gets
// each vector's results in the low halves of its 32-bit lanes, and the
// same r, for results the caller uses after both branches). tag names
// the labels.
func (s isa) roundBF16Groups(k bf16Consts, lo, hi []Register, tag string, fast func(r []Register), exact func(r, rlo, rhi []Register)) {
	subnormalBranch(tag+"_exact", append(append([]Register(nil), lo...), hi...)...)
	r := make([]Register, len(lo))
	for v := range lo {
		r[v] = ZMM()
		cvtne2ps2bf16(lo[v], hi[v], r[v])
	}
	fast(r)
	JMP(label(tag + "_rounded"))
	Label(tag + "_exact")
	rlo, rhi := make([]Register, len(lo)), make([]Register, len(lo))
	for v := range lo {
		rlo[v], rhi[v] = s.vec(), s.vec()
		s.roundBF16(k, lo[v], rlo[v])
		s.roundBF16(k, hi[v], rhi[v])
	}
	exact(r, rlo, rhi)
	Label(tag + "_rounded")
}

// interleaveTable is the VPERMW index that interleaves the two halves of
// a VCVTNE2PS2BF16 result: word 2j takes word j, word 2j+1 word 16+j.
var interleaveTable *Mem

func interleaveIndex() Mem {
	if interleaveTable == nil {
		m := GLOBL("bf16Interleave", RODATA|NOPTR)
		for j := range 16 {
			DATA(4*j, U32(uint32(16+j)<<16|uint32(j)))
		}
		interleaveTable = &m
	}
	return *interleaveTable
}
