package opstest

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// docIDs returns the document ids of case c: slots packed into c.docs
// documents of consecutive slots, every 17th slot an anchor (-1) when
// c.anchors is set; query t belongs to document t mod c.docs, except
// query 2 (when Tq > 2), whose document has no slot: without anchors its
// row is empty.
func docIDs(c *attnCase) (qdoc, kdoc []int32) {
	kdoc = make([]int32, c.S)
	for s := range kdoc {
		kdoc[s] = int32(s * c.docs / max(c.S, 1))
		if c.anchors && s%17 == 0 {
			kdoc[s] = -1
		}
	}
	qdoc = make([]int32, c.Tq)
	for t := range qdoc {
		qdoc[t] = int32(t % c.docs)
	}
	if c.Tq > 2 {
		qdoc[2] = int32(c.docs)
	}
	return qdoc, kdoc
}

// spreadQueries sets the query positions of f to S-1, S-1-37, … (modulo
// S), so that the queries of a case lie in several chunks.
func spreadQueries(f *attnFixture) {
	S := max(f.c.S, 1)
	for t := range f.qpos {
		f.qpos[t] = int32(((S-1-37*t)%S + S) % S)
	}
}

// dualChunkCoverage counts, over the visible (query, key) pairs of f,
// the Dual Chunk Attention cases: intra, successive, successive clamped
// at ChunkSize, inter, inter clamped.
func dualChunkCoverage(f *attnFixture) (n [5]int) {
	ch := f.c.rope.Chunk
	cl := int64(ch.ChunkLen())
	for t, i := range f.qpos {
		for _, s := range f.rows(t) {
			if s < 0 || f.kpos[s] > i {
				continue
			}
			switch ch.Class(i, f.kpos[s]) {
			case ops.ChunkIntra:
				n[0]++
			case ops.ChunkSuccessive:
				n[1+b2i(int64(i)%cl+cl > int64(ch.ChunkSize))]++
			default:
				n[3+b2i(2*cl-1 > int64(ch.ChunkSize))]++
			}
		}
	}
	return n
}

// rows returns the slots query t reads (of kv head 0).
func (f *attnFixture) rows(t int) []int32 {
	c := f.c
	if c.dense {
		end := c.end
		if end == 0 {
			end = c.S
		}
		out := make([]int32, 0, end-c.start)
		for s := c.start; s < end; s++ {
			out = append(out, int32(s))
		}
		return out
	}
	switch c.gran {
	case ops.PerKVHead:
		return f.idx[:c.W]
	case ops.PerQuery:
		return f.idx[t*c.Hk*c.W : (t*c.Hk+1)*c.W]
	}
	return f.idx[:c.W]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// testAttnDualChunk covers Dual Chunk Attention (in-op key RoPE with
// KeyPosDualChunk) at chunk sizes 64/16 (successive positions clamped
// past the local size, inter positions clamped) and 64/40 (neither
// clamped), on every dtype, layout and selection granularity, the dense
// range included, and in decode (split-KV) and prefill shapes. Each case
// must reach every chunk class it can. Under -short a third of the
// (dtype, layout, chunk sizes, granularity) combinations run, chosen so
// that every value of each still occurs.
func testAttnDualChunk(t *testing.T, b ops.Backend) {
	var st attnStats
	var cover [5]int
	seed := uint64(9000)
	chunks := []ops.DualChunk{{ChunkSize: 64, LocalSize: 16}, {ChunkSize: 64, LocalSize: 40}}
	for i, dt := range floatDTypes {
		for j, l := range layouts {
			for k, ch := range chunks {
				for g, gran := range append(granularities, 255) {
					seed += 10
					if testing.Short() && (i+j+k+g)%3 != 0 {
						continue
					}
					angles := []ops.AngleMode{ops.Accurate, ops.Compat}[(i+j+k+g)%2]
					rope := &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, l), Angles: angles, KeyPos: ops.KeyPosDualChunk, Chunk: ch}
					c := &attnCase{dt: dt, Tq: 3, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 32, gran: gran, W: 160,
						causal: true, rope: rope, positions: spreadQueries, seed: seed}
					if gran == 255 {
						c.dense, c.start, c.end = true, 20, 300
					}
					if gran == ops.PerQuery {
						c.Tq = 2
					}
					runDualChunkCase(t, b, c, &st, &cover)
				}
			}
		}
		// decode over a long dense range (split-KV inside the op), Qwen's
		// head layout, and a prefill tile of many query rows
		rope := &ops.KeyRoPE{Rotary: attnRotary(128, 128, 1, ops.NeoX), KeyPos: ops.KeyPosDualChunk,
			Chunk: ops.DualChunk{ChunkSize: 512, LocalSize: 128}}
		runDualChunkCase(t, b, &attnCase{dt: dt, Tq: 1, Hq: 28, Hk: 4, S: size(2600, 1400), D: 128, Dv: 128,
			dense: true, causal: true, rope: rope, positions: spreadQueries, seed: uint64(9500 + i)}, &st, &cover)
		many := &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, ops.GPTJ), KeyPos: ops.KeyPosDualChunk,
			Chunk: ops.DualChunk{ChunkSize: 64, LocalSize: 16}}
		runDualChunkCase(t, b, &attnCase{dt: dt, Tq: 12, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 64, gran: ops.PerKVHead, W: 200,
			causal: true, rope: many, positions: spreadQueries, seed: uint64(9600 + i)}, &st, &cover)
	}
	for k, n := range cover {
		if n == 0 {
			t.Errorf("no visible key in DCA case %d (intra, successive, successive clamped, inter, inter clamped): %v", k, cover)
		}
	}
	t.Logf("visible (query, key) pairs: intra %d, successive %d (+%d clamped), inter %d (+%d clamped)",
		cover[0], cover[1], cover[2], cover[3], cover[4])
	logStats(t, &st)
}

// runDualChunkCase runs c, checks it and adds its DCA cases to cover;
// every case must reach the intra, successive and inter classes.
func runDualChunkCase(t *testing.T, b ops.Backend, c *attnCase, st *attnStats, cover *[5]int) {
	t.Helper()
	f := newAttnFixture(t, b, c)
	defer f.free(b)
	n := dualChunkCoverage(f)
	if n[0] == 0 || n[1]+n[2] == 0 || n[3]+n[4] == 0 {
		t.Errorf("%v: a DCA class without visible keys (intra, succ, succ clamped, inter, inter clamped): %v", c, n)
	}
	for k := range n {
		cover[k] += n[k]
	}
	o, lse := f.run(t, b)
	f.check(t, o, lse, st)
}

// testAttnDocuments covers document masks with and without anchors,
// with and without causal positions, on every dtype and selection
// granularity, the dense range included, and in decode (split-KV); query
// 2 of each case belongs to a document with no slot. Every case has fewer
// than 64 query rows (tokens × GQA group).
func testAttnDocuments(t *testing.T, b ops.Backend) {
	var st attnStats
	seed := uint64(9700)
	for i, dt := range floatDTypes {
		for g, gran := range append(granularities, 255) {
			for _, anchors := range []bool{false, true} {
				seed += 10
				c := &attnCase{dt: dt, Tq: 5, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 48, gran: gran, W: 150,
					docs: 4, anchors: anchors, causal: (i+g)%2 == 0, seed: seed}
				if gran == 255 {
					c.dense = true
				}
				if gran == ops.PerQuery {
					c.Tq = 3
				}
				runAttnCase(t, b, c, &st)
			}
		}
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 1, Hq: 32, Hk: 8, S: size(2600, 1400), D: 128, Dv: 128, dense: true,
			docs: 3, anchors: true, seed: uint64(9900 + i)}, &st)
	}
	logStats(t, &st)
}

// testAttnManyRows covers document masks and log-n scaling with many
// query rows per kv head (packed prefill: 192 and 160 rows, the shapes a
// backend may serve with another kernel than decode's).
func testAttnManyRows(t *testing.T, b ops.Backend) {
	var st attnStats
	for i, dt := range floatDTypes {
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 48, Hq: 8, Hk: 2, S: 256, D: 64, Dv: 64, dense: true,
			docs: 6, anchors: true, causal: true, sinks: []float64{0.5, -1, -1e30, 2, 1, 0, -2, 3},
			seed: uint64(9950 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 40, Hq: 8, Hk: 2, S: 256, D: 64, Dv: 64, dense: true,
			causal: true, logn: 100, positions: spreadQueries, seed: uint64(10500 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 40, Hq: 8, Hk: 2, S: 256, D: 64, Dv: 64, gran: ops.PerKVHead, W: 200,
			causal: true, logn: 64, docs: 5, softcap: 15, positions: spreadQueries, seed: uint64(10600 + i)}, &st)
	}
	logStats(t, &st)
}

// testAttnLogN covers log-n scaling at a training length that splits the
// query positions (λ = 1 below it, > 1 above), alone and with a soft-cap,
// sinks, document masks and in-op RoPE, on every dtype and granularity,
// with fewer than 64 query rows per case.
func testAttnLogN(t *testing.T, b ops.Backend) {
	var st attnStats
	seed := uint64(10000)
	for _, dt := range floatDTypes {
		for g, gran := range append(granularities, 255) {
			seed += 10
			c := &attnCase{dt: dt, Tq: 6, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 32, gran: gran, W: 120,
				causal: true, logn: 128, positions: spreadQueries, seed: seed}
			if gran == 255 {
				c.dense = true
			}
			if gran == ops.PerQuery {
				c.Tq = 4
			}
			if g%2 == 1 {
				c.softcap, c.qScale = 8, 3
			}
			runAttnCase(t, b, c, &st)
		}
		rope := &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, ops.NeoX), KeyPos: ops.KeyPosOriginal}
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 4, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 64, gran: ops.PerKVHead, W: 150,
			causal: true, logn: 64, docs: 3, anchors: true, softcap: 20, sinks: []float64{1, 0, -1, 2, 0.5, -0.5, 3, -3},
			rope: rope, positions: spreadQueries, seed: seed + 1}, &st)
	}
	logStats(t, &st)
}
