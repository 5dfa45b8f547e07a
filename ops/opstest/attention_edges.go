package opstest

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
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
			if d := l2[r] - l1[r]; math.Abs(d-math.Ln2) > precision.AttentionTol*max(1, math.Abs(l1[r])) {
				t.Errorf("%v: doubled row: lse %g - %g = %g, want log 2", dt, l2[r], l1[r], d)
			}
		}
		for k := range o1 {
			mag := 0.0
			row := k / c1.Dv
			for d := range c1.Dv {
				mag = max(mag, f1.ref.Mag[row*c1.Dv+d])
			}
			if math.Abs(o1[k]-o2[k]) > 2*precision.AttentionTol*mag+precision.Spacing(dt, max(math.Abs(o1[k]), math.Abs(o2[k]))) {
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
// strided too, in two layouts. In the aligned one every row of q, k, v
// and o starts on a 16-byte boundary (views at multiples of 8 elements
// into buffers whose rows are multiples of 8 elements): every backend must
// run it. In the packed one the fused row has 195 elements and O starts
// 2 elements in, so rows fall anywhere: a backend may decline it with
// ErrUnsupported, as the contract allows for layouts a backend documents
// it does not serve (the cuda backend's kernels need 16-byte rows); each
// declined case is counted and reported.
func testAttnStrided(t *testing.T, b ops.Backend) {
	var st attnStats
	declined := 0
	for i, dt := range floatDTypes {
		for _, aligned := range []bool{true, false} {
			if err := runAttnStrided(t, b, dt, aligned, uint64(7300+10*i), &st); err != nil {
				if aligned || !errors.Is(err, ops.ErrUnsupported) {
					t.Fatalf("%v strided (aligned %v): %v", dt, aligned, err)
				}
				declined++
				t.Logf("declined: %v packed strided rows: %v", dt, err)
			}
		}
	}
	if declined > 0 {
		t.Logf("%d of %d packed strided cases declined as unsupported", declined, len(floatDTypes))
	}
	logStats(t, &st)
}

// runAttnStrided runs and checks one strided case; it returns the error
// of Attention itself.
func runAttnStrided(t *testing.T, b ops.Backend, dt ops.DType, aligned bool, seed uint64, st *attnStats) error {
	c := &attnCase{dt: dt, Tq: 5, Hq: 8, Hk: 2, S: 5, D: 16, Dv: 16, gran: ops.PerKVHead, W: 7,
		rows: []int32{0, 1, 2, 3, 4, -1, 2, 4, 3, -1, 0, 0, 1, 2}, causal: true, seed: seed}
	f := newAttnFixture(t, b, c)
	defer f.free(b)
	// q, k and v as views into one [5, width] buffer: q at 0, k after
	// it, v after k, with pad elements before k and at the row's end.
	pad, oOff, oPad := 0, 2, 5
	if aligned {
		pad, oOff, oPad = 8, 8, 8
	}
	kOff := c.Hq*c.D + pad
	vOff := kOff + c.Hk*c.D
	width := vOff + c.Hk*c.Dv + 3
	if aligned {
		width = (width + 7) &^ 7
	}
	fused := make([]float64, c.Tq*width)
	for tok := range c.Tq {
		copy(fused[tok*width:], f.q[tok*c.Hq*c.D:(tok+1)*c.Hq*c.D])
		copy(fused[tok*width+kOff:], f.k[tok*c.Hk*c.D:(tok+1)*c.Hk*c.D])
		copy(fused[tok*width+vOff:], f.v[tok*c.Hk*c.Dv:(tok+1)*c.Hk*c.Dv])
	}
	oRow := c.Hq*c.Dv + oPad
	buf := upload(t, b, dt, fused, c.Tq*width)
	outBuf := alloc(t, b, dt, oOff+c.Tq*oRow)
	lseBuf := alloc(t, b, ops.F32, 1+c.Tq*(c.Hq+3))
	defer free(b, buf, outBuf, lseBuf)
	a := f.args()
	a.Q = buf.Sub(0, []int{c.Tq, c.Hq, c.D}, width)
	a.K = buf.Sub(kOff, []int{c.S, c.Hk, c.D}, width)
	a.V = buf.Sub(vOff, []int{c.S, c.Hk, c.Dv}, width)
	a.O = outBuf.Sub(oOff, []int{c.Tq, c.Hq, c.Dv}, oRow)
	a.LSE = lseBuf.Sub(1, []int{c.Tq, c.Hq}, c.Hq+3)
	if err := b.Attention(a); err != nil {
		return err
	}
	f.check(t, download(t, b, a.O), download(t, b, a.LSE), st)
	return nil
}
