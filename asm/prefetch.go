package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// genPrefetch emits prefetch(p, n): a PREFETCHT0 for every 64-byte cache
// line of the n bytes at p. It needs only SSE, so one variant serves
// every level.
func genPrefetch() {
	TEXT("prefetch", NOSPLIT, "func(p *byte, n uintptr)")
	Doc("prefetch asks for the cache lines of the n bytes at p (n > 0) to be loaded into every cache level; it never faults.")
	p := Load(Param("p"), GP64())
	n := Load(Param("n"), GP64())
	end := GP64()
	LEAQ(Mem{Base: p, Index: n, Scale: 1, Disp: -1}, end) // the last byte
	ANDQ(I32(-64), p)
	Label("line")
	PREFETCHT0(Mem{Base: p})
	ADDQ(U32(64), p)
	CMPQ(p, end)
	JBE(LabelRef("line"))
	RET()
}

// prefetchLines is how many cache lines a fused kernel asks for at each
// of its prefetch points (prefetchStep): few enough that the loads they
// start fit the core's outstanding-miss buffers, which a whole block's
// rows asked for at once overflow.
const prefetchLines = 16

// prefetchSteps counts the prefetch points emitted, for their labels.
var prefetchSteps int

// prefetchStep emits a prefetch point of a kernel with the []uint16
// parameter name: unless the byte offset held at off has passed the
// slice's end, a PREFETCHT0 for each of the prefetchLines cache lines
// from that offset on, which then advances past them, so that the
// kernel's successive points walk the rows (off starts at 0). The last
// point may ask for up to prefetchLines−1 lines past the slice's end;
// prefetches never fault.
func prefetchStep(name string, off Mem) {
	skip := fmt.Sprintf("prefetched%d", prefetchSteps)
	prefetchSteps++
	o, n := GP64(), Load(Param(name).Len(), GP64())
	MOVQ(off, o)
	SHLQ(U8(1), n) // the slice's bytes
	CMPQ(o, n)
	JAE(LabelRef(skip))
	p := Load(Param(name).Base(), GP64())
	ADDQ(o, p)
	for i := range prefetchLines {
		PREFETCHT0(Mem{Base: p, Disp: 64 * i})
	}
	ADDQ(U32(64*prefetchLines), o)
	MOVQ(o, off)
	Label(skip)
}
