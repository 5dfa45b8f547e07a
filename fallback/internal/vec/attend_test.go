package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// attendCase is one AttendBF16Split problem in natural order: rows query
// rows over n keys gathered from a pool of bfloat16 key and value rows,
// with a prior softmax state.
type attendCase struct {
	rows, d, dv, n, xstride int
	scale                   float32
	q, acc, m, l            []float32
	k, v                    []uint16
	offs, voffs             []int
}

// newAttendCase draws a case whose logits spread over about ±8 around a
// row constant, a state of the given kind (0: no key yet; 1: a maximum
// below the block's; 2: above; 3: far below) and, by special, a NaN,
// +Inf or −Inf key element (1, 2, 3) or −Inf keys that mask a whole row
// (4: the logits of key rows of −Inf with positive queries).
func newAttendCase(r *rand.Rand, rows, d, dv, n, state, special int) attendCase {
	c := attendCase{rows: rows, d: d, dv: dv, n: n, xstride: attendPad(n) + r.IntN(2)*16, scale: 1 / float32(math.Sqrt(float64(d)))}
	pool := 3 * n
	c.k, c.v = make([]uint16, pool*d), make([]uint16, pool*dv)
	for i := range c.k {
		c.k[i] = randBF16(r, -2, 1)
	}
	for i := range c.v {
		c.v[i] = randBF16(r, -3, 2)
	}
	for range n {
		c.offs = append(c.offs, r.IntN(pool)*d)
		c.voffs = append(c.voffs, r.IntN(pool)*dv)
	}
	c.q = make([]float32, rows*d)
	for i := range c.q {
		c.q[i] = randNormal(r, -2, 2)
	}
	switch special {
	case 1:
		c.k[c.offs[r.IntN(n)]+r.IntN(d)] = 0x7fc1
	case 2:
		c.k[c.offs[r.IntN(n)]+r.IntN(d)] = 0x7f80
	case 3:
		c.k[c.offs[r.IntN(n)]+r.IntN(d)] = 0xff80
	case 4:
		for i := range c.q[:d] {
			c.q[i] = float32(r.IntN(3) + 1)
		}
		for _, o := range c.offs {
			for j := range d {
				c.k[o+j] = 0xff80
			}
		}
	}
	c.acc = make([]float32, rows*dv)
	c.m, c.l = make([]float32, rows), make([]float32, rows)
	for row := range rows {
		switch state {
		case 0:
			c.m[row] = negInf
			continue
		case 1:
			c.m[row] = -float32(r.ExpFloat64() * 10)
		case 2:
			c.m[row] = 10 + float32(r.ExpFloat64()*10)
		default:
			c.m[row] = -150
		}
		c.l[row] = float32(1 + r.Float64()*30)
		for i := range c.acc[row*dv : (row+1)*dv] {
			c.acc[row*dv+i] = randNormal(r, -3, 3)
		}
	}
	return c
}

// run evaluates f (AttendBF16Split's kernels or its reference steps at
// level l) on copies of c's state, its rows put in level l's pair-split
// order and back, and returns the logits or weights, m, l and acc.
func (c attendCase) run(l int, f func(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32)) (x, m, ls, acc []float32) {
	x = make([]float32, (c.rows-1)*c.xstride+attendPad(c.n))
	for i := range x {
		x[i] = math.Float32frombits(sentinel)
	}
	m, ls = append([]float32(nil), c.m...), append([]float32(nil), c.l...)
	acc = splitRows(l, c.acc, c.dv)
	f(l, x, c.xstride, splitRows(l, c.q, c.d), c.d, c.scale, c.k, c.offs, c.v, c.voffs, c.dv, m, ls, acc)
	joinPairsAt(l, acc, acc, c.dv)
	return x, m, ls, acc
}

// bitsEqual reports identical bits (NaN payloads included).
func bitsEqual(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestAttendBF16Split checks the fused kernels of every level against the
// reference steps at the same level: logits or weights, maxima and
// accumulators bit for bit (NaN payloads included), l within γ of the
// exact sum of its terms (only its order of additions may differ), for
// every row count (groups of four and the rest), widths that are whole
// pair-split blocks and that are not, with and without rows to prefetch
// (which change no result), blocks of every tail, fresh and
// prior states whose maximum grows, stays or underflows, and blocks with
// NaN, +Inf or −Inf keys.
func TestAttendBF16Split(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	forLevels(t, func(t *testing.T, l int) {
		for _, d := range []int{32, 64, 96, 128, 40} {
			for _, rows := range []int{1, 2, 3, 4, 5, 7, 9} {
				for _, n := range []int{1, 3, 4, 5, 8, 15, 16, 17, 31, 32} {
					state, special := r.IntN(4), 0
					if r.IntN(4) == 0 {
						special = 1 + r.IntN(4)
					}
					dv := d
					if r.IntN(3) == 0 {
						dv = 64
					}
					c := newAttendCase(r, rows, d, dv, n, state, special)
					name := fmt.Sprintf("d=%d dv=%d rows=%d n=%d state=%d special=%d", d, dv, rows, n, state, special)
					wx, wm, wl, wacc := c.run(l, attendStepsAt)
					kernels := attendBF16SplitAt
					if r.IntN(2) == 0 { // asking for rows to be prefetched changes nothing
						name += " prefetch"
						kernels = func(l int, x []float32, xstride int, q []float32, d int, scale float32, k []uint16, offs []int, v []uint16, voffs []int, dv int, m, ls, acc []float32) {
							attendBF16SplitPrefetchAt(l, x, xstride, q, d, scale, k, offs, v, voffs, dv, m, ls, acc, k[r.IntN(len(k)):], v)
						}
					}
					x, m, ls, acc := c.run(l, kernels)
					for row := range rows {
						for i := range n {
							if e := row*c.xstride + i; !bitsEqual(x[e], wx[e]) {
								t.Fatalf("%s: x[%d][%d] = %#x, want %#x", name, row, i, math.Float32bits(x[e]), math.Float32bits(wx[e]))
							}
						}
						if !bitsEqual(m[row], wm[row]) {
							t.Fatalf("%s: m[%d] = %v, want %v", name, row, m[row], wm[row])
						}
						for i := range dv {
							if e := row*dv + i; !bitsEqual(acc[e], wacc[e]) {
								t.Fatalf("%s: acc[%d][%d] = %#x, want %#x", name, row, i, math.Float32bits(acc[e]), math.Float32bits(wacc[e]))
							}
						}
						// l = l0·alpha + Σ weights: only the order of the
						// additions may differ from the reference's.
						got, want := float64(ls[row]), float64(wl[row])
						if want != want || math.IsInf(want, 0) {
							if !bitsEqual(ls[row], wl[row]) {
								t.Fatalf("%s: l[%d] = %v, want %v", name, row, got, want)
							}
							continue
						}
						abs := math.Abs(want)
						for _, w := range wx[row*c.xstride : row*c.xstride+n] {
							abs += math.Abs(float64(w))
						}
						if bound := 2 * gamma(n+1, u32) * abs; !(math.Abs(got-want) <= bound) {
							t.Fatalf("%s: l[%d] = %v, want %v (bound %g)", name, row, got, want, bound)
						}
					}
				}
			}
		}
	})
}

// TestAttendBF16SplitPanics checks the argument checks.
func TestAttendBF16SplitPanics(t *testing.T) {
	x, q, acc := make([]float32, 64), make([]float32, 64), make([]float32, 64)
	m, ls := make([]float32, 2), make([]float32, 2)
	k, v := make([]uint16, 128), make([]uint16, 128)
	offs := []int{0, 32}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"zero width", func() { AttendBF16Split(x, 16, q, 0, 1, k, offs, v, offs, 32, m, ls, acc, nil, nil) }},
		{"value offsets", func() { AttendBF16Split(x, 16, q, 32, 1, k, offs, v, offs[:1], 32, m, ls, acc, nil, nil) }},
		{"short stride", func() { AttendBF16Split(x, 8, q, 32, 1, k, offs, v, offs, 32, m, ls, acc, nil, nil) }},
		{"logits", func() { AttendBF16Split(x[:20], 16, q, 32, 1, k, offs, v, offs, 32, m, ls, acc, nil, nil) }},
		{"queries", func() { AttendBF16Split(x, 16, q[:40], 32, 1, k, offs, v, offs, 32, m, ls, acc, nil, nil) }},
		{"sums", func() { AttendBF16Split(x, 16, q, 32, 1, k, offs, v, offs, 32, m, ls[:1], acc, nil, nil) }},
		{"key offset", func() { AttendBF16Split(x, 16, q, 32, 1, k, []int{0, 100}, v, offs, 32, m, ls, acc, nil, nil) }},
		{"value offset", func() { AttendBF16Split(x, 16, q, 32, 1, k, offs, v, []int{0, 100}, 32, m, ls, acc, nil, nil) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}
