package crosscheck

import (
	"fmt"
	"math"
	"slices"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

func init() {
	Register("kmeans", checkKMeans)
}

// kmeansClusters is the number of centroids per kv head of the k-means
// checks; kmeansFrom and kmeansPoints the slot range of its points.
const (
	kmeansClusters = 64
	kmeansFrom     = 7
	kmeansPoints   = 1024
)

// kmeansInputs returns the model's pool with one NaN key element (its
// point is unlabelled) and centroids [Hk, C, D] for it: per kv head,
// three quarters are normalised points of the pool (exact zero
// distances), one duplicates another (an exact tie, which goes to the
// lower index), the rest are the normalised keys of other slots scaled
// by a half.
func kmeansInputs(m *selModel) (keys, cents []float32) {
	keys = slices.Clone(m.k)
	keys[(kmeansFrom+9)*m.Hk*m.D+3] = float32(math.NaN())
	cents = make([]float32, m.Hk*kmeansClusters*m.D)
	for h := range m.Hk {
		for c := range kmeansClusters {
			row := cents[(h*kmeansClusters+c)*m.D : (h*kmeansClusters+c+1)*m.D]
			slot := (kmeansFrom + 37*c + 11*h) % selSlots
			if c == kmeansClusters-1 {
				copy(row, cents[(h*kmeansClusters+5)*m.D:])
				continue
			}
			off := (slot*m.Hk + h) * m.D
			precision.KMeansPoint(row, m.k[off:off+m.D], true)
			if c >= 3*kmeansClusters/4 {
				for d := range row {
					row[d] /= 2
				}
			}
		}
	}
	return keys, cents
}

// checkKMeans runs one normalised KMeansAssign step (labels, distances,
// sums and counts) over a slot range and over the candidate list (padding
// and a repeated slot), and compares every output bit for bit with
// precision.RefKMeansAssign and with the reference backend, as the
// contract makes the op exact.
func checkKMeans(c *Ctx) ([]Result, error) {
	var out []Result
	for _, m := range selModels(c, 0x6b6d65616e73) {
		keys, cents := kmeansInputs(m)
		for _, list := range []bool{false, true} {
			slots, what := seqSlots(kmeansFrom + kmeansPoints)[kmeansFrom:], fmt.Sprintf("slots [%d, %d)", kmeansFrom, kmeansFrom+kmeansPoints)
			if list {
				slots, what = m.candidateList, fmt.Sprintf("list of %d points", len(m.candidateList))
			}
			run := func(b ops.Backend) ([]float64, error) {
				return kmeansRun(b, m, keys, cents, slots, list)
			}
			truth := func() []float64 { return kmeansTruth(m, keys, cents, slots) }
			name := fmt.Sprintf("%s C=%d %s normalized", m.name, kmeansClusters, what)
			rs, err := c.compare("kmeans", name, run, exactTruth(truth))
			out = append(out, rs...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// kmeansRun runs the step on b and returns its labels, distances, sums
// and counts, in that order, as float64.
func kmeansRun(b ops.Backend, m *selModel, keys, cents []float32, slots []int32, list bool) ([]float64, error) {
	ts := &tensors{b: b}
	defer ts.free()
	n, C := len(slots), kmeansClusters
	a := ops.KMeansAssignArgs{Normalize: true}
	var err error
	if a.K, err = ts.floats(m.dt, keys, selSlots, m.Hk, m.D); err != nil {
		return nil, err
	}
	if !list {
		a.Points = ops.Selection{Start: int(slots[0]), End: int(slots[0]) + n}
	} else if a.Points.Indices, err = ts.ints(slots, n); err != nil {
		return nil, err
	}
	if a.Centroids, err = ts.floats(ops.F32, cents, m.Hk, C, m.D); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		dst   **ops.Tensor
		dt    ops.DType
		shape []int
	}{{&a.Labels, ops.I32, []int{m.Hk, n}}, {&a.Dist, ops.F32, []int{m.Hk, n}}, {&a.Sums, ops.F32, []int{m.Hk, C, m.D}}, {&a.Counts, ops.I32, []int{m.Hk, C}}} {
		if *t.dst, err = ts.alloc(t.dt, t.shape...); err != nil {
			return nil, err
		}
	}
	if err := b.KMeansAssign(&a); err != nil {
		return nil, err
	}
	if err := b.Sync(); err != nil {
		return nil, err
	}
	var out []float64
	for _, t := range []*ops.Tensor{a.Labels, a.Dist, a.Sums, a.Counts} {
		get := download64
		if t.DType == ops.I32 {
			get = downloadI32
		}
		x, err := get(b, t)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return out, nil
}

// kmeansTruth is precision.RefKMeansAssign per kv head, laid out as
// kmeansRun's result.
func kmeansTruth(m *selModel, keys, cents []float32, slots []int32) []float64 {
	C := kmeansClusters
	var labels, dist, sums, counts []float64
	for h := range m.Hk {
		x := make([][]float32, len(slots))
		for i, s := range slots {
			if s >= 0 {
				off := (int(s)*m.Hk + h) * m.D
				x[i] = keys[off : off+m.D]
			}
		}
		r := precision.RefKMeansAssign(x, m.D, true, cents[h*C*m.D:(h+1)*C*m.D], C)
		for _, l := range r.Labels {
			labels = append(labels, float64(l))
		}
		for _, c := range r.Counts {
			counts = append(counts, float64(c))
		}
		dist, sums = append(dist, widen(r.Dist)...), append(sums, widen(r.Sums)...)
	}
	return slices.Concat(labels, dist, sums, counts)
}
