package sparse

import (
	"fmt"
	"math"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// clustering is the offline k-means of a Squeezed policy: Lloyd's
// algorithm seeded by k-means++ (Arthur and Vassilvitskii, "k-means++:
// The Advantages of Careful Seeding") over the L2-normalised keys of
// every kv head of the first n tokens of a fixed context, all heads at
// once. Backend.KMeansAssign does the distance work (each round's
// nearest centroids, distances, cluster sums and sizes); the host draws
// the seeds, moves the centroids to the means and re-seeds empty
// clusters. Every backend returns the same bits from KMeansAssign and
// the host's arithmetic is fixed, so a seed gives the same clusters on
// every backend and machine.
type clustering struct {
	b           ops.Backend
	k           *ops.Tensor // the pool [S, Hk, D]
	slots       []int32     // the slot of every token
	points      ops.Selection
	hk, d, n, c int
	// the op's tensors: centroids [Hk, c, D] (views of fewer centroids
	// while seeding), labels and distances [Hk, n], sums [Hk, c, D] and
	// counts [Hk, c]
	cent, labels, dist, sums, counts *ops.Tensor
}

// newClustering allocates the tensors of a clustering of ctx's first n
// tokens into c clusters per kv head.
func newClustering(b ops.Backend, ctx *Context, slots []int32, hk, d, n, c int) (*clustering, error) {
	k := &clustering{b: b, k: ctx.K, slots: slots, hk: hk, d: d, n: n, c: c,
		points: ops.Selection{Start: ctx.Start, End: ctx.Start + n}}
	if ctx.Slots != nil {
		k.points = ops.Selection{Indices: ctx.Slots.Sub(0, []int{n}, 0)}
	}
	for _, t := range []struct {
		p     **ops.Tensor
		dt    ops.DType
		shape []int
	}{
		{&k.cent, ops.F32, []int{hk, c, d}}, {&k.labels, ops.I32, []int{hk, n}}, {&k.dist, ops.F32, []int{hk, n}},
		{&k.sums, ops.F32, []int{hk, c, d}}, {&k.counts, ops.I32, []int{hk, c}},
	} {
		x, err := b.Alloc(t.dt, t.shape...)
		if err != nil {
			k.free()
			return nil, err
		}
		*t.p = x
	}
	return k, nil
}

// free releases the clustering's tensors.
func (k *clustering) free() {
	for _, t := range []*ops.Tensor{k.cent, k.labels, k.dist, k.sums, k.counts} {
		if t != nil {
			k.b.Free(t)
		}
	}
}

// assign runs KMeansAssign against the first c centroids of every head,
// host[h][j] (each D floats), with the sums and counts when sums is set.
func (k *clustering) assign(host [][][]float32, c int, sums bool) error {
	cent := k.cent.Sub(0, []int{k.hk, c, k.d}, k.c*k.d)
	flat := make([]float32, 0, k.hk*c*k.d)
	for _, head := range host {
		for _, y := range head[:c] {
			flat = append(flat, y...)
		}
	}
	if err := k.b.Write(cent, ops.Bytes(flat)); err != nil {
		return err
	}
	a := &ops.KMeansAssignArgs{K: k.k, Points: k.points, Normalize: true, Centroids: cent, Labels: k.labels, Dist: k.dist}
	if sums {
		a.Sums, a.Counts = k.sums, k.counts
	}
	return k.b.KMeansAssign(a)
}

// readLabels returns the labels of the last assignment, [Hk][n].
func (k *clustering) readLabels() ([][]int32, error) {
	flat, err := readI32(k.b, k.labels)
	if err != nil {
		return nil, err
	}
	return split(flat, k.hk), nil
}

// readDist returns the distances of the last assignment, [Hk][n].
func (k *clustering) readDist() ([][]float32, error) {
	flat, err := readFloats(k.b, k.dist)
	if err != nil {
		return nil, err
	}
	return split(flat, k.hk), nil
}

// split cuts s into parts rows of equal length.
func split[T any](s []T, parts int) [][]T {
	w := len(s) / parts
	out := make([][]T, parts)
	for i := range out {
		out[i] = s[i*w : (i+1)*w : (i+1)*w]
	}
	return out
}

// key returns the key of token i in kv head h.
func (k *clustering) key(i, h int) ([]float32, error) {
	return readFloats(k.b, k.k.Sub(int(k.slots[i])*k.k.RowStride()+h*k.d, []int{1, k.d}, 0))
}

// point returns the clustered point of token i in kv head h: its key
// normalised as KMeansAssign does (precision.KMeansPoint).
func (k *clustering) point(i, h int) ([]float32, error) {
	x, err := k.key(i, h)
	if err != nil {
		return nil, err
	}
	y := make([]float32, k.d)
	precision.KMeansPoint(y, x, true)
	return y, nil
}

// nonFinite returns the ErrRange naming the first key element (in token,
// head, element order) that is not finite, looking at the keys whose
// label is -1 (KMeansAssign leaves exactly those unlabelled, and every
// key of a head whose centroid was not finite), or nil when every label
// is set.
func (k *clustering) nonFinite(labels [][]int32) error {
	for i := range k.n {
		for h := range k.hk {
			if labels[h][i] >= 0 {
				continue
			}
			x, err := k.key(i, h)
			if err != nil {
				return err
			}
			for j, v := range x {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return ops.Errorf(ops.ErrRange, "ctx.k", v, "key element %d of the fixed context is not finite", (i*k.hk+h)*k.d+j)
				}
			}
		}
	}
	for h := range k.hk {
		for i, l := range labels[h] {
			if l < 0 {
				return fmt.Errorf("sparse: k-means left token %d of kv head %d unlabelled with finite keys", i, h)
			}
		}
	}
	return nil
}

// run clusters the points: k-means++ seeds, then Lloyd rounds until no
// label of a head changes or maxIter rounds. It returns every head's
// labels [Hk][n], the centroids of the last assignment [Hk][c][D] and the
// rounds each head ran. A head whose labels are stable keeps its
// centroids while the others go on, as if clustered alone.
func (k *clustering) run(seed uint64, maxIter int) (labels [][]int32, cent [][][]float32, iters []int, err error) {
	if cent, err = k.seed(seed); err != nil {
		return nil, nil, nil, err
	}
	iters = make([]int, k.hk)
	done := make([]bool, k.hk)
	var prev [][]int32
	for it := 1; it <= maxIter; it++ {
		if err := k.assign(cent, k.c, true); err != nil {
			return nil, nil, nil, err
		}
		if labels, err = k.readLabels(); err != nil {
			return nil, nil, nil, err
		}
		busy := false
		for h := range k.hk {
			if done[h] {
				labels[h] = prev[h]
				continue
			}
			iters[h] = it
			if prev != nil && equalLabels(labels[h], prev[h]) {
				done[h] = true
				continue
			}
			busy = true
		}
		if !busy || it == maxIter {
			break
		}
		if err := k.update(cent, labels, done); err != nil {
			return nil, nil, nil, err
		}
		prev = labels
	}
	return labels, cent, iters, nil
}

func equalLabels(a, b []int32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// update moves the centroids of the heads not done to the means of their
// clusters, float32(sum/size) in float64, and re-seeds each empty cluster
// at the point farthest from its centroid (the first such point; it is
// then taken, so the next empty cluster takes the next farthest).
func (k *clustering) update(cent [][][]float32, labels [][]int32, done []bool) error {
	sums, err := readFloats(k.b, k.sums)
	if err != nil {
		return err
	}
	counts, err := readI32(k.b, k.counts)
	if err != nil {
		return err
	}
	var dist [][]float32
	for h := range k.hk {
		if done[h] {
			continue
		}
		for c := range k.c {
			cnt := counts[h*k.c+c]
			if cnt > 0 {
				s := sums[(h*k.c+c)*k.d : (h*k.c+c+1)*k.d]
				for j, v := range s {
					cent[h][c][j] = float32(float64(v) / float64(cnt))
				}
				continue
			}
			if dist == nil {
				if dist, err = k.readDist(); err != nil {
					return err
				}
			}
			far := 0
			for i, v := range dist[h] {
				if v > dist[h][far] {
					far = i
				}
			}
			dist[h][far] = 0
			if cent[h][c], err = k.point(far, h); err != nil {
				return err
			}
		}
	}
	return nil
}
