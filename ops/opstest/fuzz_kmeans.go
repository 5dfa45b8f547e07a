package opstest

import (
	"testing"

	"github.com/rotorkernels/rotor/ops"
	"github.com/rotorkernels/rotor/precision"
)

// FuzzKMeansAssign is the fuzz body of Backend.KMeansAssign on b: kv
// heads, head dimensions and centroid counts (0 invalid), key dtypes
// (I32 and invalid refused), slot ranges (past the pool invalid) or
// lists with padding, repeats and values out of range, with and without
// normalisation, centroids that are points of the pool (exact zero
// distances and ties) or drawn, planted NaN, ±Inf and ±0 in keys and
// centroids, optional distances, sums and counts, strided outputs in
// guarded buffers and one corrupted argument; a success must equal
// precision.RefKMeansAssign bit for bit and leave the inputs unchanged.
func FuzzKMeansAssign(f *testing.F, b ops.Backend) {
	f.Fuzz(func(t *testing.T, seed uint64, s, hk, d, c, cand, dt, opts uint8, specials []byte, corruptArg, corruptMode uint8) {
		S, Hk, D, C := int(s%60), int(hk%4), fuzzHeadDim(d), int(c%40)
		dtype := fuzzDType(dt)
		normalize, withDist, withSums := opts&1 != 0, opts&2 != 0, opts&4 != 0
		keys := fuzzValues(seed, S*Hk*D, dtype)
		cents := fuzzValues(seed+1, Hk*C*D, ops.F32)
		r := newRand(seed + 2)
		for h := range Hk { // some centroids are points: zero distances and exact ties
			for k := range C {
				if S == 0 || r.IntN(2) == 0 {
					continue
				}
				sl := r.IntN(S)
				for j, v := range kmeansPoint(keys[(sl*Hk+h)*D:(sl*Hk+h+1)*D], normalize) {
					cents[(h*C+k)*D+j] = float64(v)
				}
			}
		}
		plantSpecialsIn(specials, keys, cents)
		valid := dtype.IsFloat() && Hk >= 1 && D >= 1 && C >= 1
		sel, slots, selOK := fuzzCandidates(r, seed+3, cand, S, 70)
		N := len(slots)
		gk := newGuarded(t, b, dtype, []int{S, Hk, D}, 0, seed, keys)
		gc := newGuarded(t, b, ops.F32, []int{Hk, C, D}, C*D+3, seed+1, cents)
		gl := newGuarded(t, b, ops.I32, []int{Hk, N}, N+1, seed+4, nil)
		ins, outs := []*guarded{gk, gc}, []*guarded{gl}
		a := &ops.KMeansAssignArgs{K: gk.view, Points: sel, Normalize: normalize, Centroids: gc.view, Labels: gl.view}
		var gd, gs, gn *guarded
		if withDist {
			gd = newGuarded(t, b, ops.F32, []int{Hk, N}, 0, seed+5, nil)
			a.Dist, outs = gd.view, append(outs, gd)
		}
		if withSums {
			gs = newGuarded(t, b, ops.F32, []int{Hk, C, D}, C*D+1, seed+6, nil)
			gn = newGuarded(t, b, ops.I32, []int{Hk, C}, C+2, seed+7, nil)
			a.Sums, a.Counts, outs = gs.view, gn.view, append(outs, gs, gn)
		}
		var idx *ops.Tensor
		if cand%4 == 1 || cand%4 == 2 {
			idx = uploadI32(t, b, slots, N)
			a.Points = ops.Selection{Indices: idx}
			defer free(b, idx)
		}
		defer func() {
			for _, g := range append(ins, outs...) {
				free(b, g.all)
			}
		}()
		corrupted := corruptOne([]**ops.Tensor{&a.K, &a.Centroids, &a.Labels, &a.Dist, &a.Sums, &a.Counts, &a.Points.Indices},
			map[**ops.Tensor]bool{&a.Dist: true, &a.Points.Indices: true}, corruptArg, corruptMode)
		err := b.KMeansAssign(a)
		if err != nil {
			refused(t, b, err, append(ins, outs...)...)
			return
		}
		// A dropped list leaves the valid range [0, S): a bad value in the
		// list no longer makes the call invalid.
		dropped := a.Points.Indices == nil && idx != nil
		if corrupted || !valid || (!selOK && !dropped) {
			t.Fatalf("KMeansAssign with invalid arguments succeeded (%v keys [%d %d %d], %d centroids)", dtype, S, Hk, D, C)
		}
		for _, g := range ins {
			g.unchanged(t, b, "input")
		}
		if dropped { // the range [0, S)
			slots = seq(0, S)
			if len(slots) != N {
				return // the outputs no longer match; only the guards are checked
			}
		}
		labels := gl.values(t, b)
		var dist, sums, counts []float64
		if a.Dist != nil {
			dist = gd.values(t, b)
		}
		if a.Sums != nil {
			sums, counts = gs.values(t, b), gn.values(t, b)
		}
		for h := range Hk {
			x := make([][]float32, N)
			for i, sl := range slots {
				if sl < 0 {
					continue
				}
				x[i] = make([]float32, D)
				for j := range D {
					x[i][j] = float32(keys[(int(sl)*Hk+h)*D+j])
				}
			}
			cent := make([]float32, C*D)
			for i := range cent {
				cent[i] = float32(cents[h*C*D+i])
			}
			want := precision.RefKMeansAssign(x, D, normalize, cent, C)
			for i := range N {
				if got := int32(labels[h*N+i]); got != want.Labels[i] {
					t.Fatalf("head %d point %d (slot %d): label %d, want %d", h, i, slots[i], got, want.Labels[i])
				}
				if dist != nil && !sameF32(float32(dist[h*N+i]), want.Dist[i]) {
					t.Fatalf("head %d point %d: distance %v, want %v", h, i, dist[h*N+i], want.Dist[i])
				}
			}
			if sums == nil {
				continue
			}
			for k := range C {
				if got := int32(counts[h*C+k]); got != want.Counts[k] {
					t.Fatalf("head %d cluster %d: count %d, want %d", h, k, got, want.Counts[k])
				}
				for j := range D {
					if e := (h*C+k)*D + j; !sameF32(float32(sums[e]), want.Sums[k*D+j]) {
						t.Fatalf("head %d cluster %d element %d: sum %v, want %v", h, k, j, sums[e], want.Sums[k*D+j])
					}
				}
			}
		}
		for _, g := range outs {
			g.outside(t, b, "kmeans output")
		}
	})
}
