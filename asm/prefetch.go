package main

import (
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
