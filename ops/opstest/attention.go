package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

var granularities = []ops.Granularity{ops.PerRequest, ops.PerKVHead, ops.PerQuery}

// runAttention is the Attention and Merge part of the suite.
func runAttention(t *testing.T, b ops.Backend) {
	t.Run("gqa", func(t *testing.T) { testAttnGQA(t, b) })
	t.Run("dense", func(t *testing.T) { testAttnDense(t, b) })
	t.Run("decode-split", func(t *testing.T) { testAttnDecode(t, b) })
	t.Run("prefill-causal", func(t *testing.T) { testAttnPrefill(t, b) })
	t.Run("softcap-sinks", func(t *testing.T) { testAttnSoftcapSinks(t, b) })
	t.Run("rope", func(t *testing.T) { testAttnRoPE(t, b) })
	t.Run("dual-chunk", func(t *testing.T) { testAttnDualChunk(t, b) })
	t.Run("documents", func(t *testing.T) { testAttnDocuments(t, b) })
	t.Run("logn", func(t *testing.T) { testAttnLogN(t, b) })
	t.Run("documents-logn-many-rows", func(t *testing.T) { testAttnManyRows(t, b) })
	t.Run("padding", func(t *testing.T) { testAttnPadding(t, b) })
	t.Run("duplicates", func(t *testing.T) { testAttnDuplicates(t, b) })
	t.Run("unsorted", func(t *testing.T) { testAttnUnsorted(t, b) })
	t.Run("strided", func(t *testing.T) { testAttnStrided(t, b) })
	t.Run("errors", func(t *testing.T) { testAttnErrors(t, b) })
	t.Run("merge", func(t *testing.T) { testMerge(t, b) })
	t.Run("merge-errors", func(t *testing.T) { testMergeErrors(t, b) })
	t.Run("nan", func(t *testing.T) { testAttnNaN(t, b) })
	t.Run("merge-nan", func(t *testing.T) { testMergeNaN(t, b) })
}

// logStats reports the worst errors as fractions of their bounds.
func logStats(t *testing.T, st *attnStats) {
	t.Logf("%d output rows (%d with no visible key): worst |err|/bound O %.3g (f32 inputs %.3g), LSE %.3g",
		st.rows, st.empty, st.worstO, st.worstF32, st.worstLSE)
}

// testAttnGQA covers GQA ratios 1, 4, 7 and 8 at every granularity and
// float dtype, with padding, duplicates and unsorted rows.
func testAttnGQA(t *testing.T, b ops.Backend) {
	var st attnStats
	seed := uint64(1000)
	for _, dt := range floatDTypes {
		for _, g := range []int{1, 4, 7, 8} {
			for _, gran := range granularities {
				seed += 10
				c := &attnCase{dt: dt, Tq: 3, Hq: 2 * g, Hk: 2, S: 300, D: 64, Dv: 48,
					gran: gran, W: size(120, 60), seed: seed}
				if gran == ops.PerQuery {
					c.Tq = 2
				}
				runAttnCase(t, b, c, &st)
			}
		}
	}
	logStats(t, &st)
}

// testAttnDense checks the dense range fast path against the truth and
// against a selection that lists the same slots.
func testAttnDense(t *testing.T, b ops.Backend) {
	var st attnStats
	for i, dt := range floatDTypes {
		for j, r := range [][2]int{{0, 0}, {17, 250}, {0, 1}, {40, 40}} {
			c := &attnCase{dt: dt, Tq: 5, Hq: 8, Hk: 2, S: 256, D: 32, Dv: 32,
				dense: true, start: r[0], end: r[1], seed: uint64(2000 + 10*i + j)}
			runAttnCase(t, b, c, &st)
		}
		// The same slots as an index row: the two paths agree.
		dc := &attnCase{dt: dt, Tq: 2, Hq: 4, Hk: 4, S: 700, D: 64, Dv: 64, dense: true, seed: uint64(2100 + i)}
		df := newAttnFixture(t, b, dc)
		od, ld := df.run(t, b)
		all := make([]int32, dc.S)
		for s := range all {
			all[s] = int32(s)
		}
		sc := *dc
		sc.dense, sc.gran, sc.W, sc.rows = false, ops.PerRequest, dc.S, all
		sf := newAttnFixture(t, b, &sc)
		os, ls := sf.run(t, b)
		df.check(t, od, ld, &st)
		sf.check(t, os, ls, &st)
		for row := range dc.Tq * dc.Hq {
			mag := 0.0
			for d := range dc.Dv {
				mag = max(mag, df.ref.Mag[row*dc.Dv+d])
			}
			for d := range dc.Dv {
				x, y := od[row*dc.Dv+d], os[row*dc.Dv+d]
				bound := 2 * precision.AttentionTol * mag
				if dt != ops.F32 {
					bound += precision.Spacing(dt, max(math.Abs(x), math.Abs(y)))
				}
				if math.Abs(x-y) > bound {
					t.Errorf("%v: dense o[%d,%d] = %g, all-slot selection gives %g", dt, row, d, x, y)
				}
			}
		}
		df.free(b)
		sf.free(b)
	}
	logStats(t, &st)
}

// testAttnDecode covers single-token decode over long rows (split-KV
// inside the op) for Llama (32/8) and Qwen (28/4) head layouts.
func testAttnDecode(t *testing.T, b ops.Backend) {
	var st attnStats
	W := size(2500, 1100)
	for i, dt := range floatDTypes {
		for j, h := range [][2]int{{32, 8}, {28, 4}} {
			for k, gran := range granularities {
				if (i+j+k)%2 == 1 { // half the combinations keep the suite quick
					continue
				}
				c := &attnCase{dt: dt, Tq: 1, Hq: h[0], Hk: h[1], S: 2600, D: 128, Dv: 128,
					gran: gran, W: W, seed: uint64(3000 + 100*i + 10*j + k)}
				runAttnCase(t, b, c, &st)
			}
		}
		c := &attnCase{dt: dt, Tq: 1, Hq: 8, Hk: 1, S: 5000, D: 64, Dv: 64, dense: true, seed: uint64(3500 + i)}
		runAttnCase(t, b, c, &st)
	}
	logStats(t, &st)
}

// testAttnPrefill covers many query tokens with causal masking by
// positions (including a query that sees no key), shared and per-query
// rows.
func testAttnPrefill(t *testing.T, b ops.Backend) {
	var st attnStats
	for i, dt := range floatDTypes {
		for j, gran := range granularities {
			c := &attnCase{dt: dt, Tq: 40, Hq: 12, Hk: 4, S: 200, D: 32, Dv: 32,
				gran: gran, W: 90, causal: true, seed: uint64(4000 + 10*i + j)}
			if gran == ops.PerQuery {
				c.Tq = 12
			}
			runAttnCase(t, b, c, &st)
		}
		c := &attnCase{dt: dt, Tq: 33, Hq: 4, Hk: 4, S: 150, D: 16, Dv: 24, dense: true, causal: true,
			seed: uint64(4100 + i)}
		runAttnCase(t, b, c, &st)
	}
	logStats(t, &st)
}

// testAttnSoftcapSinks covers logit soft-capping (large logits), sinks
// (finite and -Inf) and explicit scales.
func testAttnSoftcapSinks(t *testing.T, b ops.Backend) {
	var st attnStats
	sinks := []float64{0.5, -1, math.Inf(-1), 3, 2.25, -0.75, 10, math.Inf(-1)}
	for i, dt := range floatDTypes {
		for j, gran := range granularities {
			seed := uint64(5000 + 10*i + j)
			runAttnCase(t, b, &attnCase{dt: dt, Tq: 3, Hq: 8, Hk: 2, S: 200, D: 64, Dv: 64, gran: gran, W: 100,
				softcap: 5, qScale: 4, scale: 0.5, seed: seed}, &st)
			runAttnCase(t, b, &attnCase{dt: dt, Tq: 6, Hq: 8, Hk: 2, S: 200, D: 64, Dv: 64, gran: gran, W: 100,
				sinks: sinks, causal: true, seed: seed + 100}, &st)
			runAttnCase(t, b, &attnCase{dt: dt, Tq: 6, Hq: 8, Hk: 4, S: 200, D: 64, Dv: 64, gran: gran, W: 100,
				sinks: sinks, softcap: 30, qScale: 3, causal: true, seed: seed + 200}, &st)
		}
	}
	logStats(t, &st)
}

// testAttnRoPE covers in-op RoPE of pre-RoPE keys: rank, original and
// capped key positions, accurate and compat angles, both layouts, partial
// rotary, an attention factor, explicit query positions.
func testAttnRoPE(t *testing.T, b ops.Backend) {
	var st attnStats
	seed := uint64(6000)
	for _, dt := range floatDTypes {
		for _, l := range layouts {
			for _, mode := range []ops.KeyPosMode{ops.KeyPosRank, ops.KeyPosOriginal, ops.KeyPosCapped} {
				for _, angles := range []ops.AngleMode{ops.Accurate, ops.Compat} {
					for _, gran := range granularities {
						seed += 10
						rope := &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, l), Angles: angles, KeyPos: mode, Cap: 50}
						c := &attnCase{dt: dt, Tq: 3, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 32, gran: gran, W: 80,
							causal: mode != ops.KeyPosRank, rope: rope, seed: seed}
						runAttnCase(t, b, c, &st)
					}
				}
			}
			seed += 10
			partial := &ops.KeyRoPE{Rotary: attnRotary(64, 32, 1.25, l), KeyPos: ops.KeyPosRank}
			runAttnCase(t, b, &attnCase{dt: dt, Tq: 4, Hq: 4, Hk: 4, S: 100, D: 64, Dv: 64, dense: true, start: 10,
				end: 90, rope: partial, seed: seed}, &st)
			fixed := &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, l), KeyPos: ops.KeyPosOriginal, QueryPos: 1 << 20}
			runAttnCase(t, b, &attnCase{dt: dt, Tq: 2, Hq: 4, Hk: 2, S: 100, D: 64, Dv: 64, gran: ops.PerRequest, W: 60,
				causal: true, rope: fixed, seed: seed + 1}, &st)
			// many query rows per kv head: the keys are rotated once per
			// block for all of them
			many := &ops.KeyRoPE{Rotary: attnRotary(64, 64, 1, l), KeyPos: ops.KeyPosOriginal}
			runAttnCase(t, b, &attnCase{dt: dt, Tq: 8, Hq: 8, Hk: 2, S: 300, D: 64, Dv: 64, gran: ops.PerKVHead, W: 200,
				causal: true, rope: many, seed: seed + 2}, &st)
		}
	}
	logStats(t, &st)
}
