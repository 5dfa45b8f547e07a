package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa describes one vector instruction set the kernels are generated for.
// Every kernel is written once against it; only the helpers below differ
// between the variants.
type isa struct {
	suffix string // appended to every kernel name
	lanes  int    // float32 lanes of a vector register
	bf16   bool   // round to bfloat16 with VCVTNE2PS2BF16 (bf16native.go)
}

var (
	avx2   = isa{suffix: "AVX2", lanes: 8}
	avx512 = isa{suffix: "AVX512", lanes: 16}
	isas   = []isa{avx2, avx512}
	// avx512bf16 is AVX-512 with AVX512-BF16's rounding (and AVX512DQ's
	// VFPCLASSPS), for the kernels that round float32 to bfloat16.
	avx512bf16 = isa{suffix: "AVX512BF16", lanes: 16, bf16: true}
)

func (s isa) wide() bool { return s.lanes == 16 }

// bytes is the size of a float32 vector in bytes.
func (s isa) bytes() int { return 4 * s.lanes }

// vec allocates a vector register of the set's width.
func (s isa) vec() VecVirtual {
	if s.wide() {
		return ZMM()
	}
	return YMM()
}

// name is the kernel name for this set.
func (s isa) name(base string) string { return base + s.suffix }

// label returns a label local to the current kernel.
func label(name string) LabelRef { return LabelRef(name) }

// zero clears v (VXORPS on a ZMM register needs AVX512DQ, VPXORD does not).
func (s isa) zero(v Register) {
	if s.wide() {
		VPXORD(v, v, v)
		return
	}
	VXORPS(v, v, v)
}

// zeroAll clears every v. The register allocator takes any register an
// instruction reads as live before it, even in the XOR-with-itself idiom,
// so only the first v is cleared that way: the others are the XOR of the
// first with itself, which leaves them free until here.
func (s isa) zeroAll(v ...Register) {
	if len(v) == 0 {
		return
	}
	s.zero(v[0])
	for _, x := range v[1:] {
		if s.wide() {
			VPXORD(v[0], v[0], x)
		} else {
			VXORPS(v[0], v[0], x)
		}
	}
}

func (s isa) and(a, b, dst Register) {
	if s.wide() {
		VPANDD(a, b, dst)
		return
	}
	VPAND(a, b, dst)
}

func (s isa) or(a, b, dst Register) {
	if s.wide() {
		VPORD(a, b, dst)
		return
	}
	VPOR(a, b, dst)
}

func (s isa) xor(a, b, dst Register) {
	if s.wide() {
		VPXORD(a, b, dst)
		return
	}
	VPXOR(a, b, dst)
}

// broadcastD returns a vector holding the 32-bit constant c in every lane.
func (s isa) broadcastD(c uint32) VecVirtual {
	g := GP32()
	MOVL(U32(c), g)
	x := XMM()
	VMOVD(g, x)
	v := s.vec()
	VPBROADCASTD(x, v)
	return v
}

// broadcastParam returns a vector holding the float32 parameter p in
// every lane, loaded straight from the argument frame.
func (s isa) broadcastParam(p string) VecVirtual {
	b, err := Param(p).Resolve()
	if err != nil {
		panic(err)
	}
	v := s.vec()
	VBROADCASTSS(b.Addr, v)
	return v
}

// loadBF16 widens the lanes bfloat16 values at m into v (exact: the bits
// move to the upper half of each float32).
func (s isa) loadBF16(m Mem, v Register) {
	VPMOVZXWD(m, v)
	VPSLLD(U8(16), v, v)
}

// hsum adds the lanes of v and returns an X register holding the sum in
// every lane (see hreduce).
func (s isa) hsum(v VecVirtual) Register { return s.hreduce(v, VADDPS) }

// hmax returns an X register holding the largest lane of v in every lane
// (see hreduce; no lane may be NaN).
func (s isa) hmax(v VecVirtual) Register { return s.hreduce(v, VMAXPS) }

// hreduce combines the lanes of v with op (VADDPS, VMAXPS) and returns an
// X register holding the result in every lane, by halving: 512→256
// (AVX-512), 256→128, then two in-register pair steps. Every instruction
// used has an EVEX form, so the allocator may pick any register on
// AVX-512. v is overwritten.
func (s isa) hreduce(v VecVirtual, op func(...Op)) Register {
	return s.hreduceAll([]VecVirtual{v}, op)[0]
}

// hreduceAll is hreduce of every v, each step emitted for all of them in
// turn so that their dependency chains overlap.
func (s isa) hreduceAll(vs []VecVirtual, op func(...Op)) []Register {
	ys := append([]VecVirtual(nil), vs...)
	if s.wide() {
		for i, v := range vs {
			hi := YMM()
			VEXTRACTF64X4(U8(1), v, hi)
			ys[i] = v.AsY().(VecVirtual)
			op(hi, ys[i], ys[i])
		}
	}
	xs := make([]Register, len(vs))
	for i, y := range ys {
		xs[i] = y.AsX()
		hi := XMM()
		if s.wide() {
			VEXTRACTF32X4(U8(1), y, hi)
		} else {
			VEXTRACTF128(U8(1), y, hi)
		}
		op(hi, xs[i], xs[i])
	}
	for _, imm := range []uint8{0x4e, 0xb1} { // lanes 2,3,0,1, then 1,0,3,2
		for _, x := range xs {
			t := XMM()
			VPERMILPS(U8(imm), x, t)
			op(t, x, x)
		}
	}
	return xs
}

// resultAddr returns the memory operand of the kernel's first result.
func resultAddr() Mem {
	r, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	return r.Addr
}

// storeResult writes lane 0 of x to the kernel's float32 result.
func storeResult(x Register) {
	VMOVSS(x, resultAddr())
}

// base loads the data pointer of slice parameter p.
func base(p string) Register { return Load(Param(p).Base(), GP64()) }

// length loads the length of slice parameter p rounded down to a multiple
// of m (a power of two).
func length(p string, m int) Register {
	n := Load(Param(p).Len(), GP64())
	ANDQ(I32(-m), n)
	return n
}

// roundDown returns a new register holding n rounded down to a multiple
// of m (a power of two).
func roundDown(n Register, m int) Register {
	r := GP64()
	MOVQ(n, r)
	ANDQ(I32(-m), r)
	return r
}

// loop emits "for ; i < end; i += step { body() }"; end - i must be a
// multiple of step on entry.
func loop(name string, i, end Register, step int, body func()) {
	Label(name)
	CMPQ(i, end)
	JAE(label(name + "_end"))
	body()
	ADDQ(U32(step), i)
	JMP(label(name))
	Label(name + "_end")
}

// elementwise emits the loop of a kernel over the n elements of its
// slices (n a register holding a multiple of the lanes): unroll vectors a
// step while a whole step remains, then one vector a step. unit(i, k)
// emits the work of the vector k elements past element i. The loops'
// labels are name followed by unroll and by 1.
func (s isa) elementwise(name string, n Register, unroll int, unit func(i Register, k int)) {
	nu := roundDown(n, unroll*s.lanes)
	i := GP64()
	XORQ(i, i)
	body := func(units int) func() {
		return func() {
			for u := range units {
				unit(i, u*s.lanes)
			}
		}
	}
	loop(fmt.Sprintf("%s%d", name, unroll), i, nu, unroll*s.lanes, body(unroll))
	loop(name+"1", i, n, s.lanes, body(1))
}

// f32 addresses element i (+ k further elements) of a float32 array.
func f32(p, i Register, k int) Mem { return Mem{Base: p, Index: i, Scale: 4, Disp: 4 * k} }

// u16 addresses element i (+ k further elements) of a 16-bit array.
func u16(p, i Register, k int) Mem { return Mem{Base: p, Index: i, Scale: 2, Disp: 2 * k} }

// doc writes a kernel's doc comment: what it computes and the multiple
// its slices are processed in.
func (s isa) doc(name, what string, multiple int) {
	Doc(fmt.Sprintf("%s %s", name, what),
		fmt.Sprintf("It processes the largest multiple of %d elements; the caller handles the rest.", multiple))
}

// finish ends a kernel: VZEROUPPER avoids the AVX-SSE transition penalty in
// the Go code that follows.
func finish() {
	VZEROUPPER()
	RET()
}
