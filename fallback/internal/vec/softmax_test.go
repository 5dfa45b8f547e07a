package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxBlock checks every level against the reference loop: the
// weights, maxima and factors bit for bit (NaN payloads included), the
// sums within γ of the exact sum of their terms, and the stride gaps
// untouched, for blocks of every tail length and rows that are empty,
// fully or partly masked, hold NaN or ±Inf, or grow, keep or start their
// maximum, or follow a block that held a NaN.
func TestSoftmaxBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	inf := float32(math.Inf(1))
	nan := math.Float32frombits(0x7fc0dead)
	forLevels(t, func(t *testing.T, lv int) {
		for _, nk := range []int{0, 1, 7, 8, 9, 16, 24, 32, 37, 48, 64, 100, 128} {
			for _, gap := range []int{0, 3} {
				for _, rows := range []int{1, 6, 17} {
					stride := nk + gap
					x, check := guardedF32(max(0, (rows-1)*stride+nk), 1)
					for i := range x {
						x[i] = math.Float32frombits(sentinel)
					}
					m, l, alpha := make([]float32, rows), make([]float32, rows), make([]float32, rows)
					for row := range rows {
						xr := x[row*stride : row*stride+nk]
						c := float32(r.NormFloat64() * 8)
						for i := range xr {
							xr[i] = c - float32(r.ExpFloat64()*20)
						}
						switch kind := r.IntN(10); {
						case kind == 0: // masked
							for i := range xr {
								xr[i] = -inf
							}
						case kind == 1 && nk > 0:
							xr[r.IntN(nk)] = nan
						case kind == 2 && nk > 0:
							xr[r.IntN(nk)] = inf
						case kind == 3:
							for i := range xr {
								if r.IntN(2) == 0 {
									xr[i] = -inf
								}
							}
						}
						switch r.IntN(5) {
						case 0:
							m[row], l[row] = -inf, 0
						case 4: // an earlier block held a NaN logit
							m[row], l[row] = nan, nan
						case 1: // below the block: the maximum grows
							m[row], l[row] = c-float32(r.ExpFloat64()*30), float32(1+r.Float64()*50)
						case 2: // above: it stays
							m[row], l[row] = c+float32(r.ExpFloat64()*30), float32(1+r.Float64()*50)
						default: // far below: the factor underflows
							m[row], l[row] = c-200, float32(1+r.Float64()*50)
						}
					}
					wx := append([]float32(nil), x...)
					wm, wl, wa := append([]float32(nil), m...), append([]float32(nil), l...), make([]float32, rows)
					l0 := append([]float32(nil), l...)
					softmaxBlockGeneric(wx, stride, nk, wm, wl, wa)
					softmaxBlockAt(lv, x, stride, nk, m, l, alpha)
					check(t)
					for i := range x {
						if math.Float32bits(x[i]) != math.Float32bits(wx[i]) {
							t.Fatalf("nk=%d rows=%d stride=%d: x[%d] = %#x, want %#x", nk, rows, stride, i, math.Float32bits(x[i]), math.Float32bits(wx[i]))
						}
					}
					for row := range rows {
						if math.Float32bits(m[row]) != math.Float32bits(wm[row]) || math.Float32bits(alpha[row]) != math.Float32bits(wa[row]) {
							t.Fatalf("nk=%d row %d: m, alpha = %v, %v; want %v, %v", nk, row, m[row], alpha[row], wm[row], wa[row])
						}
						// l = l0·alpha (rounded) + Σ weights, the sum in any order.
						if row*stride+nk > len(x) {
							continue
						}
						exact := float64(float32(l0[row] * wa[row]))
						if wa[row] == 1 {
							exact = float64(l0[row])
						}
						abs := math.Abs(exact)
						for _, w := range wx[row*stride : row*stride+nk] {
							exact += float64(w)
							abs += math.Abs(float64(w))
						}
						got := float64(l[row])
						if exact != exact || math.IsInf(exact, 0) {
							if got == got && !math.IsInf(got, 0) {
								t.Fatalf("nk=%d row %d: sum %v of non-finite terms", nk, row, got)
							}
							continue
						}
						if bound := gamma(nk+1, u32) * abs; math.Abs(got-exact) > bound {
							t.Fatalf("nk=%d row %d: l = %v, exact %v, bound %g", nk, row, got, exact, bound)
						}
					}
				}
			}
		}
	})
}

// TestSoftmaxBlockSequence runs an online softmax block by block on every
// level and checks the maximum (exactly) and the weights' total against
// fp64 truth: within Exp's 3e-7 once per term and once per rescale, plus
// γ of the additions.
func TestSoftmaxBlockSequence(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	const rows, nk, blocks = 5, 64, 9
	logits := make([]float64, rows*nk*blocks)
	for i := range logits {
		logits[i] = r.NormFloat64() * 6
	}
	forLevels(t, func(t *testing.T, lv int) {
		m, l, a := make([]float32, rows), make([]float32, rows), make([]float32, rows)
		for i := range m {
			m[i] = negInf
		}
		x := make([]float32, rows*nk)
		for b := range blocks {
			for row := range rows {
				for i := range nk {
					x[row*nk+i] = float32(logits[(row*blocks+b)*nk+i])
				}
			}
			softmaxBlockAt(lv, x, nk, nk, m, l, a)
		}
		for row := range rows {
			mx := math.Inf(-1)
			for _, v := range logits[row*blocks*nk : (row+1)*blocks*nk] {
				mx = max(mx, float64(float32(v)))
			}
			var s float64
			for _, v := range logits[row*blocks*nk : (row+1)*blocks*nk] {
				s += math.Exp(float64(float32(v)) - mx)
			}
			if float64(m[row]) != mx {
				t.Fatalf("row %d: max %v, want %v", row, m[row], mx)
			}
			tol := float64(blocks+1)*3e-7 + gamma(blocks*(nk+1), u32)
			if rel := math.Abs(float64(l[row])-s) / s; rel > tol {
				t.Fatalf("row %d: sum %v, want %v (relative error %.3g)", row, l[row], s, rel)
			}
		}
	})
}

// TestSoftmaxBlockNaNSticky checks the NaN rule on every level: once a
// block holds a NaN logit — the row's first block or a later one, alone
// or among finite and masked logits — the running maximum and the sum are
// NaN and stay NaN through later blocks, finite or fully masked; the
// factor of a later block is NaN whenever it has a visible key; and the
// rows beside it are untouched, a row with no visible key keeping the
// empty state (−Inf, 0).
func TestSoftmaxBlockNaNSticky(t *testing.T) {
	nan := float32(math.NaN())
	const nk = 32
	forLevels(t, func(t *testing.T, lv int) {
		for _, at := range []int{0, 1, 2} { // the block holding the NaN
			for _, pos := range []int{0, 5, nk - 1} {
				// rows: 0 the NaN row, 1 finite, 2 always masked
				m := []float32{negInf, negInf, negInf}
				l, a := make([]float32, 3), make([]float32, 3)
				x := make([]float32, 3*nk)
				for b := range 4 {
					for i := range x {
						x[i] = float32(i%7) - 3
					}
					for i := range nk {
						x[2*nk+i] = negInf
					}
					if b == 3 { // a fully masked block for the NaN row
						for i := range nk {
							x[i] = negInf
						}
					}
					if b == at {
						x[pos] = nan
					}
					softmaxBlockAt(lv, x, nk, nk, m, l, a)
					if b < at {
						continue
					}
					if m[0] == m[0] || l[0] == l[0] {
						t.Fatalf("NaN in block %d at %d, after block %d: m, l = %v, %v; want NaN", at, pos, b, m[0], l[0])
					}
					if b < 3 {
						for i, w := range x[:nk] {
							if w == w {
								t.Fatalf("block %d: weight %d = %v, want NaN", b, i, w)
							}
						}
						if b > at && a[0] == a[0] {
							t.Fatalf("block %d after the NaN: alpha = %v, want NaN", b, a[0])
						}
					}
					if m[1] != 3 || l[1] != l[1] || a[1] != a[1] {
						t.Fatalf("block %d: the finite row became m, l, alpha = %v, %v, %v", b, m[1], l[1], a[1])
					}
					if m[2] != negInf || l[2] != 0 || a[2] != 1 {
						t.Fatalf("block %d: the masked row became m, l, alpha = %v, %v, %v", b, m[2], l[2], a[2])
					}
				}
			}
		}
	})
}
