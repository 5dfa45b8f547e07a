package opstest

import (
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
)

var (
	floatDTypes = []ops.DType{ops.F32, ops.BF16, ops.F16}
	layouts     = []ops.Layout{ops.NeoX, ops.GPTJ}
)

// maxMismatch is the largest fraction of 16-bit accurate-mode outputs
// allowed to differ from the correctly rounded float64 truth.
const maxMismatch = 1e-3

// runRoPE is the RoPE and RoPEAppend part of the suite.
func runRoPE(t *testing.T, b ops.Backend) {
	t.Run("accurate", func(t *testing.T) { testRoPEAccurate(t, b) })
	t.Run("compat", func(t *testing.T) { testRoPECompat(t, b) })
	t.Run("accurate-beats-compat", func(t *testing.T) { testAccurateBeatsCompat(t, b) })
	t.Run("identity", func(t *testing.T) { testRoPEIdentity(t, b) })
	t.Run("shapes", func(t *testing.T) { testRoPEShapes(t, b) })
	t.Run("strided", func(t *testing.T) { testRoPEStrided(t, b) })
	t.Run("errors", func(t *testing.T) { testRoPEErrors(t, b) })
	t.Run("append", func(t *testing.T) { testRoPEAppend(t, b) })
	t.Run("append-errors", func(t *testing.T) { testRoPEAppendErrors(t, b) })
}

// testRoPEAccurate checks accurate-mode RoPE against float64 truth for
// every dtype, layout and schedule, 32 query and 8 key heads, at
// positions from 0 to 2^31-1.
func testRoPEAccurate(t *testing.T, b ops.Backend) {
	pos := accuracyPositions(1)
	for _, dt := range floatDTypes {
		var total accuracy
		for _, l := range layouts {
			for si, sc := range ropeSchedules(l) {
				name := caseName(dt, l, sc.name)
				in := newRoPEInput(sc.rot, dt, pos, 32, 8, uint64(100+si))
				q, k := in.run(t, b, ops.Accurate)
				var acc accuracy
				checkHeads(t, name+" q", sc.rot, dt, pos, in.q, q, &acc)
				checkHeads(t, name+" k", sc.rot, dt, pos, in.k, k, &acc)
				if dt != ops.F32 {
					if f := float64(acc.mismatch) / float64(acc.n); f >= maxMismatch {
						t.Errorf("%s: %d of %d outputs (%.2g) differ from the correctly rounded truth, want < %g",
							name, acc.mismatch, acc.n, f, maxMismatch)
					}
				}
				total.n += acc.n
				total.mismatch += acc.mismatch
				total.maxRel = math.Max(total.maxRel, acc.maxRel)
			}
		}
		if dt == ops.F32 {
			t.Logf("%v: %d outputs at %d positions, max |err|/bound %.3f", dt, total.n, len(pos), total.maxRel)
		} else {
			t.Logf("%v: %d outputs at %d positions, %d (%.2g) not the correctly rounded truth",
				dt, total.n, len(pos), total.mismatch, float64(total.mismatch)/float64(total.n))
		}
	}
}

// testRoPECompat checks that compat mode is Hugging Face's float32
// pipeline bit for bit, for every dtype (one final rounding), layout and
// schedule.
func testRoPECompat(t *testing.T, b ops.Backend) {
	pos := accuracyPositions(2)
	for _, dt := range floatDTypes {
		for _, l := range layouts {
			for si, sc := range ropeSchedules(l) {
				name := caseName(dt, l, sc.name)
				in := newRoPEInput(sc.rot, dt, pos, 8, 2, uint64(200+si))
				q, k := in.run(t, b, ops.Compat)
				bad := 0
				D := sc.rot.HeadDim
				y := make([]float64, D)
				for _, pair := range [][2][]float64{{in.q, q}, {in.k, k}} {
					x, o := pair[0], pair[1]
					for h := 0; h < len(x)/D; h++ {
						p := pos[h/(len(x)/D/len(pos))]
						hfHead(sc.rot, dt, p, x[h*D:(h+1)*D], y)
						for i := range y {
							if math.Float64bits(y[i]) != math.Float64bits(o[h*D+i]) {
								bad++
								if bad <= 5 {
									t.Errorf("%s: pos %d row %d elem %d: got %v, Hugging Face pipeline %v",
										name, p, h, i, o[h*D+i], y[i])
								}
							}
						}
					}
				}
			}
		}
	}
}

// testAccurateBeatsCompat checks that at every tested position ≥ 4096
// the accurate angles give a smaller error than compat over each head.
func testAccurateBeatsCompat(t *testing.T, b ops.Backend) {
	var pos []int32
	for _, p := range accuracyPositions(3) {
		if p >= 4096 {
			pos = append(pos, p)
		}
	}
	for _, l := range layouts {
		for si, sc := range ropeSchedules(l) {
			in := newRoPEInput(sc.rot, ops.F32, pos, 4, 0, uint64(300+si))
			qa, _ := in.run(t, b, ops.Accurate)
			qc, _ := in.run(t, b, ops.Compat)
			D := sc.rot.HeadDim
			y := make([]float64, D)
			for ti, p := range pos {
				c, s := truthCosSin(sc.rot, p)
				for h := 0; h < in.hq; h++ {
					o := (ti*in.hq + h) * D
					truthHead(sc.rot, c, s, in.q[o:o+D], y)
					ea := sqDist(qa[o:o+D], y)
					ec := sqDist(qc[o:o+D], y)
					if !(ea < ec) {
						t.Errorf("%v/%s: pos %d head %d: accurate error² %.3g ≥ compat error² %.3g",
							l, sc.name, p, h, ea, ec)
					}
				}
			}
		}
	}
}

// sqDist returns Σ (a[i] − b[i])².
func sqDist(a, b []float64) float64 {
	var e float64
	for i := range a {
		d := a[i] - b[i]
		e += d * d
	}
	return e
}

// testRoPEIdentity checks that position 0 with attention factor 1 leaves
// every (finite, nonzero) input bit-identical, in both angle modes.
func testRoPEIdentity(t *testing.T, b ops.Backend) {
	pos := make([]int32, 5)
	for _, dt := range floatDTypes {
		for _, l := range layouts {
			sc := ropeSchedules(l)[0]
			for _, m := range []ops.AngleMode{ops.Accurate, ops.Compat} {
				in := newRoPEInput(sc.rot, dt, pos, 4, 2, 400)
				q, k := in.run(t, b, m)
				for _, pair := range [][2][]float64{{in.q, q}, {in.k, k}} {
					for i := range pair[0] {
						if math.Float64bits(pair[0][i]) != math.Float64bits(pair[1][i]) {
							t.Errorf("%v/%v/%v: element %d changed at position 0: %v → %v", dt, l, m, i, pair[0][i], pair[1][i])
							break
						}
					}
				}
			}
		}
	}
}

// testRoPEShapes checks token counts from 1 up (one token, a few, many),
// head counts including k absent and no query heads, and head dims, all
// against float64 truth in accurate mode.
func testRoPEShapes(t *testing.T, b ops.Backend) {
	cases := []struct {
		T, hq, hk, headDim, dim int
	}{
		{1, 32, 8, 128, 128},
		{1, 1, 0, 64, 64},
		{2, 3, 1, 256, 256},
		{3, 32, 8, 128, 128},
		{5, 64, 0, 64, 32},
		{17, 28, 4, 128, 128},
		{33, 0, 4, 128, 128},
		{size(700, 130), 32, 8, 128, 128},
		{size(300, 60), 4, 4, 2, 2},
	}
	r := newRand(5)
	for ci, c := range cases {
		pos := make([]int32, c.T)
		for i := range pos {
			pos[i] = r.Int32N(1 << 22)
		}
		for _, l := range layouts {
			rot := defaultRotary(c.headDim, c.dim, 1e4, l)
			for _, dt := range []ops.DType{ops.F32, ops.BF16} {
				name := caseName(dt, l, "T", c.T, "hq", c.hq, "hk", c.hk, "d", c.headDim, c.dim)
				in := newRoPEInput(rot, dt, pos, c.hq, c.hk, uint64(500+ci))
				q, k := in.run(t, b, ops.Accurate)
				var acc accuracy
				checkHeads(t, name+" q", rot, dt, pos, in.q, q, &acc)
				if c.hk > 0 {
					checkHeads(t, name+" k", rot, dt, pos, in.k, k, &acc)
				} else if k != nil {
					t.Errorf("%s: k output without k", name)
				}
				if acc.n > 0 && float64(acc.mismatch)/float64(acc.n) >= maxMismatch {
					t.Errorf("%s: %d of %d outputs differ from the correctly rounded truth", name, acc.mismatch, acc.n)
				}
			}
		}
	}
}

// testRoPEStrided runs RoPE on q and k views into one fused QKV buffer
// [T, (Hq+2Hk)·D + pad] starting at a nonzero offset, with strided
// positions, and checks that q and k equal the dense result bit for bit
// while v, the padding and the unused positions slots stay untouched.
func testRoPEStrided(t *testing.T, b ops.Backend) {
	const hq, hk, pad = 8, 2, 5
	for _, dt := range floatDTypes {
		for _, l := range layouts {
			rot := ropeSchedules(l)[2].rot // attention factor ≠ 1
			D := rot.HeadDim
			T := size(50, 9)
			W := (hq+2*hk)*D + pad
			rows := T + 1 // the views start one row (plus 3 elements) in
			pos := make([]int32, T)
			for i := range pos {
				pos[i] = int32(i*977 + 3)
			}
			in := newRoPEInput(rot, dt, pos, hq, hk, 600)
			wantQ, wantK := in.run(t, b, ops.Accurate)

			fill := roundAll(dt, randUniform(601, rows*W+8, -3, 3))
			raw := encode(dt, fill)
			buf := upload(t, b, dt, fill, rows*W+8)
			off := W + 3
			qv := buf.Sub(off, []int{T, hq, D}, W)
			kv := buf.Sub(off+hq*D, []int{T, hk, D}, W)
			writeRaw(t, b, qv, encode(dt, in.q))
			writeRaw(t, b, kv, encode(dt, in.k))

			pbuf := make([]int32, 2*T+1)
			for i := range pbuf {
				pbuf[i] = -1 - int32(i) // must never be read
			}
			for i, p := range pos {
				pbuf[1+2*i] = p
			}
			pt := uploadI32(t, b, pbuf, len(pbuf))
			pv := pt.Sub(1, []int{T}, 2)

			if err := b.RoPE(&ops.RoPEArgs{Q: qv, K: kv, Positions: pv, Rotary: rot}); err != nil {
				t.Fatalf("%v/%v: RoPE on views: %v", dt, l, err)
			}
			gotQ, gotK := download(t, b, qv), download(t, b, kv)
			for i := range wantQ {
				if math.Float64bits(gotQ[i]) != math.Float64bits(wantQ[i]) {
					t.Fatalf("%v/%v: q view element %d = %v, dense RoPE gives %v", dt, l, i, gotQ[i], wantQ[i])
				}
			}
			for i := range wantK {
				if math.Float64bits(gotK[i]) != math.Float64bits(wantK[i]) {
					t.Fatalf("%v/%v: k view element %d = %v, dense RoPE gives %v", dt, l, i, gotK[i], wantK[i])
				}
			}
			// Everything outside the q and k views keeps its bytes.
			after := readRaw(t, b, buf)
			es := dt.Size()
			inView := func(e int) bool {
				if e < off || e >= off+T*W {
					return false
				}
				return (e-off)%W < (hq+hk)*D
			}
			for e := 0; e < rows*W+8; e++ {
				if inView(e) {
					continue
				}
				for j := 0; j < es; j++ {
					if after[e*es+j] != raw[e*es+j] {
						t.Fatalf("%v/%v: element %d outside the q and k views was modified", dt, l, e)
					}
				}
			}
			free(b, buf, pt)
		}
	}
}
