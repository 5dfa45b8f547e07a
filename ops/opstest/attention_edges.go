package opstest

import (
	"math"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

// testAttnPadding covers rows that are all padding, rows whose leading
// block is padding, padding at the end only, a pool of zero slots, rows
// of width 0 and no query tokens: O = 0 and LSE = -Inf for empty rows,
// never NaN.
func testAttnPadding(t *testing.T, b ops.Backend) {
	var st attnStats
	const W = 200
	rows := make([]int32, 4*W)
	for i := range rows {
		rows[i] = -1
	}
	for i := 150; i < W; i++ { // row 1: the first 150 entries are padding
		rows[W+i] = int32(i)
	}
	for i := range 5 { // row 2: five keys, then padding
		rows[2*W+i] = int32(7 * i)
	}
	rows[3*W+W-1] = 42 // row 3: one key at the very end
	for i, dt := range floatDTypes {
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 4, Hq: 8, Hk: 1, S: 256, D: 32, Dv: 32, gran: ops.PerQuery,
			W: W, rows: rows, seed: uint64(7000 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 1, Hq: 8, Hk: 4, S: 256, D: 32, Dv: 32, gran: ops.PerKVHead,
			W: W, rows: rows, sinks: []float64{1, 2, 3, 4, 5, 6, 7, 8}, seed: uint64(7010 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 2, Hq: 2, Hk: 1, S: 0, D: 8, Dv: 8, gran: ops.PerRequest,
			W: 3, rows: []int32{-1, -1, -1}, seed: uint64(7020 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 2, Hq: 2, Hk: 1, S: 0, D: 8, Dv: 8, dense: true, seed: uint64(7030 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 2, Hq: 2, Hk: 2, S: 9, D: 8, Dv: 8, gran: ops.PerKVHead,
			W: 0, rows: []int32{}, seed: uint64(7040 + i)}, &st)
		runAttnCase(t, b, &attnCase{dt: dt, Tq: 0, Hq: 2, Hk: 1, S: 9, D: 8, Dv: 8, dense: true, seed: uint64(7050 + i)}, &st)
	}
	if st.empty == 0 {
		t.Errorf("no empty output rows were exercised")
	}
	logStats(t, &st)
}

// testAttnDuplicates checks the documented duplicate rule: a slot listed
// twice counts as two keys. Against a row listing each slot once, O is
// unchanged when every slot is doubled and LSE grows by log 2.
func testAttnDuplicates(t *testing.T, b ops.Backend) {
	var st attnStats
	once := []int32{5, 17, 3, 99, 64, -1, 8}
	twice := append(slices.Clone(once), once...)
	for i, dt := range floatDTypes {
		c1 := &attnCase{dt: dt, Tq: 2, Hq: 4, Hk: 2, S: 100, D: 32, Dv: 32, gran: ops.PerRequest, W: len(once),
			rows: once, seed: uint64(7100 + i)}
		c2 := *c1
		c2.W, c2.rows = len(twice), twice
		f1, f2 := newAttnFixture(t, b, c1), newAttnFixture(t, b, &c2)
		o1, l1 := f1.run(t, b)
		o2, l2 := f2.run(t, b)
		f1.check(t, o1, l1, &st)
		f2.check(t, o2, l2, &st) // the truth counts each occurrence
		for r := range l1 {
			if d := l2[r] - l1[r]; math.Abs(d-math.Ln2) > attnTol*max(1, math.Abs(l1[r])) {
				t.Errorf("%v: doubled row: lse %g - %g = %g, want log 2", dt, l2[r], l1[r], d)
			}
		}
		for k := range o1 {
			mag := 0.0
			row := k / c1.Dv
			for d := range c1.Dv {
				mag = max(mag, f1.ref.Mag[row*c1.Dv+d])
			}
			if math.Abs(o1[k]-o2[k]) > 2*attnTol*mag+ulpOf(dt, max(math.Abs(o1[k]), math.Abs(o2[k]))) {
				t.Errorf("%v: doubled row changes o[%d]: %g vs %g", dt, k, o1[k], o2[k])
				break
			}
		}
		f1.free(b)
		f2.free(b)
	}
	logStats(t, &st)
}

// testAttnUnsorted checks that the order of a row changes results only by
// rounding: a shuffled row against the sorted one.
func testAttnUnsorted(t *testing.T, b ops.Backend) {
	var st attnStats
	r := newRand(7200)
	sorted := make([]int32, 500)
	for i := range sorted {
		sorted[i] = int32(r.IntN(1000))
	}
	slices.Sort(sorted)
	shuffled := slices.Clone(sorted)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i, dt := range floatDTypes {
		c1 := &attnCase{dt: dt, Tq: 1, Hq: 8, Hk: 2, S: 1000, D: 64, Dv: 64, gran: ops.PerRequest, W: 500,
			rows: sorted, seed: uint64(7210 + i)}
		c2 := *c1
		c2.rows = shuffled
		runAttnCase(t, b, c1, &st)
		runAttnCase(t, b, &c2, &st)
	}
	logStats(t, &st)
}

// testAttnStrided runs attention on q, k and v that are views into one
// fused QKV buffer (row strides larger than their widths), with O and LSE
// strided too.
func testAttnStrided(t *testing.T, b ops.Backend) {
	var st attnStats
	for i, dt := range floatDTypes {
		c := &attnCase{dt: dt, Tq: 5, Hq: 8, Hk: 2, S: 5, D: 16, Dv: 16, gran: ops.PerKVHead, W: 7,
			rows: []int32{0, 1, 2, 3, 4, -1, 2, 4, 3, -1, 0, 0, 1, 2}, causal: true, seed: uint64(7300 + i)}
		f := newAttnFixture(t, b, c)
		// Rebuild q, k, v as views into one [5, 8·16 + 2·16 + 2·16 + 3] buffer.
		width := c.Hq*c.D + c.Hk*c.D + c.Hk*c.Dv + 3
		fused := make([]float64, c.Tq*width)
		for tok := range c.Tq {
			copy(fused[tok*width:], f.q[tok*c.Hq*c.D:(tok+1)*c.Hq*c.D])
			copy(fused[tok*width+c.Hq*c.D:], f.k[tok*c.Hk*c.D:(tok+1)*c.Hk*c.D])
			copy(fused[tok*width+(c.Hq+c.Hk)*c.D:], f.v[tok*c.Hk*c.Dv:(tok+1)*c.Hk*c.Dv])
		}
		buf := upload(t, b, dt, fused, c.Tq*width)
		outBuf := alloc(t, b, dt, c.Tq*(c.Hq*c.Dv+5))
		lseBuf := alloc(t, b, ops.F32, c.Tq*(c.Hq+3))
		a := f.args()
		a.Q = buf.Sub(0, []int{c.Tq, c.Hq, c.D}, width)
		a.K = buf.Sub(c.Hq*c.D, []int{c.S, c.Hk, c.D}, width)
		a.V = buf.Sub((c.Hq+c.Hk)*c.D, []int{c.S, c.Hk, c.Dv}, width)
		a.O = outBuf.Sub(2, []int{c.Tq, c.Hq, c.Dv}, c.Hq*c.Dv+5)
		a.LSE = lseBuf.Sub(1, []int{c.Tq, c.Hq}, c.Hq+3)
		if err := b.Attention(a); err != nil {
			t.Fatalf("%v strided: %v", c, err)
		}
		f.check(t, download(t, b, a.O), download(t, b, a.LSE), &st)
		free(b, buf, outBuf, lseBuf)
		f.free(b)
	}
	logStats(t, &st)
}
