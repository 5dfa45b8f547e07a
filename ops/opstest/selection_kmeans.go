package opstest

import (
	"fmt"
	"math"
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// kmeansCase is one KMeansAssign problem: a pool K [S, Hk, D] of dtype
// dt (exact values), points from a slot range or a list (-1 padding),
// centroids [Hk, C, D].
type kmeansCase struct {
	name       string
	dt         ops.DType
	S, Hk, D   int
	keys       []float64
	start, end int
	list       []int32
	normalize  bool
	C          int
	cents      []float64
	dist, sums bool
	strided    bool // outputs and centroids as views with padded rows
}

// points returns the slots of the case's points (-1: padding).
func (c *kmeansCase) points() []int32 {
	if c.list != nil {
		return c.list
	}
	end := c.end
	if end == 0 {
		end = c.S
	}
	return seq(c.start, end)
}

// testKMeans checks KMeansAssign bit for bit against
// precision.RefKMeansAssign (labels, distances, sums and counts): every
// dtype, with and without normalisation, slot ranges and lists with
// padding and repeats, exact ties (duplicated centroids, centroids at
// equal distance from a point), near ties that the float32 screen cannot
// separate, several blocks of centroids, head dimensions that are not a
// multiple of 8, keys too large for a float32 screen, non-finite keys and
// centroids, strided outputs and an empty point set.
func testKMeans(t *testing.T, b ops.Backend) {
	var cases []kmeansCase
	for i, dt := range floatDTypes {
		for _, norm := range []bool{false, true} {
			cases = append(cases, kmeansClustered(dt, norm, uint64(8600+2*i)+boolSeed(norm)))
		}
		cases = append(cases, kmeansList(dt, uint64(8620+i)), kmeansNonFinite(dt, uint64(8630+i)))
	}
	cases = append(cases, kmeansTies(), kmeansHuge(false), kmeansHuge(true), kmeansTail(), kmeansEmpty())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runKMeansCase(t, b, &c) })
	}
}

func boolSeed(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// kmeansPoint is precision.KMeansPoint of a float64 row.
func kmeansPoint(x []float64, normalize bool) []float32 {
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	y := make([]float32, len(x))
	precision.KMeansPoint(y, x32, normalize)
	return y
}

// kmeansClustered: keys around a few directions, centroids that are
// points (exact zero distances), one duplicated centroid (an exact tie)
// and random ones.
func kmeansClustered(dt ops.DType, normalize bool, seed uint64) kmeansCase {
	const S, Hk, D, C = 260, 2, 64, 37
	r := newRand(seed)
	dirs := randNormal(seed+1, 8*D)
	keys := make([]float64, S*Hk*D)
	for s := range S {
		for h := range Hk {
			k, a := r.IntN(8), 0.5+3*r.Float64()
			for d := range D {
				keys[(s*Hk+h)*D+d] = roundTo(dt, a*dirs[k*D+d]+0.2*r.NormFloat64())
			}
		}
	}
	cents := make([]float64, Hk*C*D)
	for h := range Hk {
		for c := range C {
			row := cents[(h*C+c)*D : (h*C+c+1)*D]
			switch {
			case c < 30:
				s := 5 + r.IntN(250)
				for d, v := range kmeansPoint(keys[(s*Hk+h)*D:(s*Hk+h+1)*D], normalize) {
					row[d] = float64(v)
				}
			case c == 30:
				copy(row, cents[(h*C+3)*D:(h*C+4)*D])
			default:
				for d := range row {
					row[d] = float64(float32(0.3 * r.NormFloat64()))
				}
			}
		}
	}
	return kmeansCase{name: fmt.Sprintf("clustered/%v/normalize=%v", dt, normalize), dt: dt, S: S, Hk: Hk, D: D, keys: keys,
		start: 5, end: 255, normalize: normalize, C: C, cents: cents, dist: true, sums: true}
}

// kmeansList: a point list with padding and a repeated slot, head
// dimension 128 and 300 centroids (several screen blocks), strided
// outputs.
func kmeansList(dt ops.DType, seed uint64) kmeansCase {
	S, Hk, D, C := 180, 2, 128, size(300, 140)
	keys := roundAll(dt, randNormal(seed, S*Hk*D))
	list := attnRows(seed+1, 1, 150, S)
	list[3], list[40] = -1, -1
	list[10], list[11] = 77, 77
	cents := randNormal(seed+2, Hk*C*D)
	for i := range cents {
		cents[i] = float64(float32(cents[i] / 8))
	}
	return kmeansCase{name: fmt.Sprintf("list/%v", dt), dt: dt, S: S, Hk: Hk, D: D, keys: keys, list: list,
		normalize: true, C: C, cents: cents, dist: true, sums: true, strided: true}
}

// kmeansTies: small-integer keys and centroids placed at exactly equal
// distances from points (p ± δ), and pairs a few float32 ulps apart in
// distance, so that float32 scores tie or nearly tie and only the exact
// distance (ties to the lower centroid) decides.
func kmeansTies() kmeansCase {
	const S, Hk, D, C = 64, 2, 16, 48
	r := newRand(8640)
	keys := make([]float64, S*Hk*D)
	for i := range keys {
		keys[i] = float64(r.IntN(17)-8) / 4
	}
	cents := make([]float64, Hk*C*D)
	for h := range Hk {
		for c := 0; c < C; c += 2 {
			s := r.IntN(S)
			p := keys[(s*Hk+h)*D : (s*Hk+h+1)*D]
			a, b := cents[(h*C+c)*D:(h*C+c+1)*D], cents[(h*C+c+1)*D:(h*C+c+2)*D]
			for d := range D {
				delta := float64(r.IntN(5)-2) / 8
				a[d], b[d] = p[d]+delta, p[d]-delta
				if c%4 == 2 && d == 0 { // a near tie: b a little farther
					b[d] = float64(float32(p[d] - delta*(1+0x1p-18)))
				}
			}
		}
	}
	return kmeansCase{name: "ties", dt: ops.F32, S: S, Hk: Hk, D: D, keys: keys, normalize: false, C: C, cents: cents,
		dist: true, sums: true}
}

// kmeansNonFinite: NaN and infinite key elements (their points are
// unlabelled and left out of the sums) and, in kv head 1, a NaN centroid
// (every point of the head unlabelled).
func kmeansNonFinite(dt ops.DType, seed uint64) kmeansCase {
	const S, Hk, D, C = 40, 2, 24, 5
	keys := roundAll(dt, randNormal(seed, S*Hk*D))
	keys[(3*Hk+0)*D+7] = math.NaN()
	keys[(9*Hk+0)*D+0] = math.Inf(1)
	keys[(12*Hk+1)*D+23] = math.Inf(-1)
	cents := randNormal(seed+1, Hk*C*D)
	for i := range cents {
		cents[i] = float64(float32(cents[i]))
	}
	cents[(1*C+2)*D+5] = math.NaN()
	return kmeansCase{name: fmt.Sprintf("nonfinite/%v", dt), dt: dt, S: S, Hk: Hk, D: D, keys: keys, normalize: dt == ops.BF16,
		C: C, cents: cents, dist: true, sums: true}
}

// kmeansHuge: float32 keys near 1e25, whose squared norms overflow a
// float32 screen; normalised, they become unit vectors.
func kmeansHuge(normalize bool) kmeansCase {
	const S, Hk, D, C = 30, 1, 8, 6
	keys := randNormal(8650, S*Hk*D)
	cents := randNormal(8651, Hk*C*D)
	for i := range keys {
		keys[i] = float64(float32(keys[i] * 1e25))
	}
	for i := range cents {
		cents[i] = float64(float32(cents[i] * 1e25))
		if normalize {
			cents[i] = float64(float32(cents[i] / 1e25 / 3))
		}
	}
	return kmeansCase{name: fmt.Sprintf("huge/normalize=%v", normalize), dt: ops.F32, S: S, Hk: Hk, D: D, keys: keys,
		normalize: normalize, C: C, cents: cents, dist: true, sums: true}
}

// kmeansTail: a head dimension of 20 (not a multiple of the distance's
// eight lanes), one centroid, binary16 keys, distances only.
func kmeansTail() kmeansCase {
	const S, Hk, D, C = 50, 3, 20, 1
	keys := roundAll(ops.F16, randNormal(8660, S*Hk*D))
	cents := randNormal(8661, Hk*C*D)
	for i := range cents {
		cents[i] = float64(float32(cents[i]))
	}
	return kmeansCase{name: "tail", dt: ops.F16, S: S, Hk: Hk, D: D, keys: keys, start: 2, end: 49, C: C, cents: cents, dist: true}
}

// kmeansEmpty: no points; the sums and counts are zero.
func kmeansEmpty() kmeansCase {
	const S, Hk, D, C = 10, 2, 8, 3
	return kmeansCase{name: "empty", dt: ops.BF16, S: S, Hk: Hk, D: D, keys: roundAll(ops.BF16, randNormal(8670, S*Hk*D)),
		start: 7, end: 7, normalize: true, C: C, cents: randNormal(8671, Hk*C*D), sums: true}
}

// viewOf allocates rows × width and returns it (dense) or, strided, a
// view whose rows are pad elements longer.
func viewOf(t *testing.T, b ops.Backend, dt ops.DType, strided bool, shape ...int) (view, whole *ops.Tensor) {
	if !strided {
		x := alloc(t, b, dt, shape...)
		return x, x
	}
	w := 1
	for _, d := range shape[1:] {
		w *= d
	}
	const pad = 3
	whole = alloc(t, b, dt, shape[0]*(w+pad)+pad)
	return whole.Sub(pad, shape, w+pad), whole
}

// fill writes v into every element of x (int32(v) for I32).
func fill(t *testing.T, b ops.Backend, x *ops.Tensor, v float64) {
	xs := make([]float64, x.Len())
	for i := range xs {
		xs[i] = v
	}
	writeRaw(t, b, x, encode(x.DType, xs))
}

func runKMeansCase(t *testing.T, b ops.Backend, c *kmeansCase) {
	K := upload(t, b, c.dt, c.keys, c.S, c.Hk, c.D)
	defer free(b, K)
	pts := c.points()
	N := len(pts)
	sel := ops.Selection{Start: c.start, End: c.end}
	if c.list != nil {
		sel = ops.Selection{Indices: uploadI32(t, b, c.list, N)}
		defer free(b, sel.Indices)
	}
	cent, centAll := viewOf(t, b, ops.F32, c.strided, c.Hk, c.C, c.D)
	writeRaw(t, b, cent, encode(ops.F32, c.cents))
	labels, labelsAll := viewOf(t, b, ops.I32, c.strided, c.Hk, N)
	fill(t, b, labels, 77)
	a := &ops.KMeansAssignArgs{K: K, Points: sel, Normalize: c.normalize, Centroids: cent, Labels: labels}
	defer free(b, centAll, labelsAll)
	if c.dist {
		var all *ops.Tensor
		a.Dist, all = viewOf(t, b, ops.F32, c.strided, c.Hk, N)
		fill(t, b, a.Dist, 1234)
		defer free(b, all)
	}
	if c.sums {
		var sAll, cAll *ops.Tensor
		a.Sums, sAll = viewOf(t, b, ops.F32, c.strided, c.Hk, c.C, c.D)
		a.Counts, cAll = viewOf(t, b, ops.I32, c.strided, c.Hk, c.C)
		fill(t, b, a.Sums, 1234)
		fill(t, b, a.Counts, 77)
		defer free(b, sAll, cAll)
	}
	if err := b.KMeansAssign(a); err != nil {
		t.Fatalf("KMeansAssign: %v", err)
	}
	gotL := download(t, b, labels)
	var gotD, gotS, gotC []float64
	if c.dist {
		gotD = download(t, b, a.Dist)
	}
	if c.sums {
		gotS, gotC = download(t, b, a.Sums), download(t, b, a.Counts)
	}
	unlabelled := 0
	for h := range c.Hk {
		x := make([][]float32, N)
		for i, s := range pts {
			if s < 0 {
				continue
			}
			x[i] = make([]float32, c.D)
			for d := range c.D {
				x[i][d] = float32(c.keys[(int(s)*c.Hk+h)*c.D+d])
			}
		}
		cent := make([]float32, c.C*c.D)
		for i := range cent {
			cent[i] = float32(c.cents[h*c.C*c.D+i])
		}
		want := precision.RefKMeansAssign(x, c.D, c.normalize, cent, c.C)
		for i := range N {
			if got := int32(gotL[h*N+i]); got != want.Labels[i] {
				t.Fatalf("head %d point %d (slot %d): label %d, want %d", h, i, pts[i], got, want.Labels[i])
			}
			if want.Labels[i] < 0 {
				unlabelled++
			}
			if c.dist && !sameF32(float32(gotD[h*N+i]), want.Dist[i]) {
				t.Fatalf("head %d point %d: distance %v, want %v", h, i, gotD[h*N+i], want.Dist[i])
			}
		}
		if !c.sums {
			continue
		}
		for k := range c.C {
			if got := int32(gotC[h*c.C+k]); got != want.Counts[k] {
				t.Fatalf("head %d cluster %d: count %d, want %d", h, k, got, want.Counts[k])
			}
			for d := range c.D {
				if e := (h*c.C+k)*c.D + d; !sameF32(float32(gotS[e]), want.Sums[k*c.D+d]) {
					t.Fatalf("head %d cluster %d element %d: sum %v, want %v", h, k, d, gotS[e], want.Sums[k*c.D+d])
				}
			}
		}
	}
	t.Logf("%d points × %d heads, %d centroids: %d unlabelled", N, c.Hk, c.C, unlabelled)
}

// sameF32 reports whether a and b have the same bits, or are both NaN.
func sameF32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}
