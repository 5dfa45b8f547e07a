package kernels

import (
	"math/bits"

	"github.com/rotorkernels/rotor/ops"
)

// The geometry of the kmeans kernels (kmeans.cu): points per screen block
// and per resolve block (a warp each), and the bytes of one head's state
// (KmHead).
const (
	KMeansScreenPoints  = 64
	KMeansResolvePoints = KMeansBlock / 32
	kmeansHeadBytes     = 16
	kmeansInitBlocks    = 1024 // kmeans_init strides over the rest
)

// KMeansScreenSmem returns the dynamic shared memory of kmeans_screen for
// head dimension d: the 64 points' normalisers (float64) and slots, 16
// bytes for the block maximum, a step of 32 elements of 64 centroids
// (rows padded to 65) and the 64 points transposed (d rows of 65).
func KMeansScreenSmem(d int) int {
	const tp = KMeansScreenPoints
	return tp*12 + 16 + 32*(tp+1)*4 + d*(tp+1)*4
}

// PlanKMeansAssign plans Backend.KMeansAssign: kmeans_init, kmeans_prep,
// kmeans_screen, kmeans_resolve and, with sums, kmeans_sums. Index values
// are not read here (ops.CheckIndices first; an index outside [-1, S) is
// treated as padding). The head dimension may be any up to MaxHeadDim.
//
// Scratch: the per-head state (16 bytes a head), −‖c‖²/2 per centroid
// (F32 [Hk, C]), the screen's triples (F32, I32, F32 [Hk, N]) and, with
// sums, the fixed-point sums (64-bit [Hk, C, D]).
//
// Parameters of kmeans_init: heads, sum64, counts (pointers; sum64 and
// counts null without sums), counts_row (i64), Hk, C, D (i32). Of
// kmeans_prep: cent, hn, heads, cent_row (i64), C, D (i32). Of
// kmeans_screen: k, idx, cent, hn, m1, i1, m2, heads, k_row, idx_stride,
// cent_row (i64), S, N, start, C, D, normalize, want_max (i32); dynamic
// shared memory KMeansScreenSmem(D) bytes. Of kmeans_resolve: k, idx, cent, hn, m1,
// i1, m2, heads, labels, dist, sum64, counts (dist, sum64, counts may be
// null), k_row, idx_stride, cent_row, labels_row, dist_row, counts_row
// (i64), S, N, start, C, D, normalize, nbits (i32). Of kmeans_sums: sum64,
// heads, sums, sums_row (i64), C, D, normalize, nbits (i32).
func PlanKMeansAssign(a *ops.KMeansAssignArgs, m Memory, dev Device) ([]Launch, error) {
	if err := ops.CheckKMeansAssign(a, ""); err != nil {
		return nil, err
	}
	S, Hk, D := a.K.Shape[0], a.K.Shape[1], a.K.Shape[2]
	C := a.Centroids.Shape[1]
	N := ops.CandidateCount(&a.Points, S)
	sums := a.Sums != nil
	if D > MaxHeadDim {
		return nil, ops.Errorf(ops.ErrUnsupported, "k.shape[2]", D, "the cuda kmeans kernels take head dimensions up to %d", MaxHeadDim)
	}
	if N == 0 && !sums {
		return nil, nil
	}
	ad, err := addrs(m, a.K, a.Points.Indices, a.Centroids, a.Labels, a.Dist, a.Sums, a.Counts)
	if err != nil {
		return nil, err
	}
	kk, idx, cent, labels, dist, sumsAd, counts := ad[0], ad[1], ad[2], ad[3], ad[4], ad[5], ad[6]
	heads, err := m.Scratch(Hk * kmeansHeadBytes)
	if err != nil {
		return nil, err
	}
	var sum64 uint64
	if sums {
		if sum64, err = m.Scratch(Hk * C * D * 8); err != nil {
			return nil, err
		}
	}
	opt := Options{DType: a.K.DType}
	norm := 0
	if a.Normalize {
		norm = 1
	}
	nbits := bits.Len(uint(N))
	work := Hk
	if sums {
		work = Hk * C * D
	}
	ls := []Launch{{
		Family: KMeans, Options: opt, Kernel: "kmeans_init",
		Grid:  [3]int{min(kmeansInitBlocks, ceilDiv(work, KMeansBlock)), 1, 1},
		Block: [3]int{KMeansBlock, 1, 1},
		Args:  []Arg{Ptr(heads), Ptr(sum64), Ptr(counts), I64(stride1D(a.Counts)), I32(Hk), I32(C), I32(D)},
	}}
	if N > 0 {
		hn, err := m.Scratch(Hk * C * 4)
		if err != nil {
			return nil, err
		}
		var tri [3]uint64
		for i := range tri {
			if tri[i], err = m.Scratch(Hk * N * 4); err != nil {
				return nil, err
			}
		}
		want := 0
		if sums && !a.Normalize {
			want = 1
		}
		ls = append(ls, Launch{
			Family: KMeans, Options: opt, Kernel: "kmeans_prep",
			Grid:  [3]int{ceilDiv(C, KMeansBlock), Hk, 1},
			Block: [3]int{KMeansBlock, 1, 1},
			Args:  []Arg{Ptr(cent), Ptr(hn), Ptr(heads), I64(a.Centroids.RowStride()), I32(C), I32(D)},
		}, Launch{
			Family: KMeans, Options: opt, Kernel: "kmeans_screen",
			Grid:  [3]int{ceilDiv(N, KMeansScreenPoints), Hk, 1},
			Block: [3]int{KMeansBlock, 1, 1},
			Smem:  KMeansScreenSmem(D),
			Args: []Arg{Ptr(kk), Ptr(idx), Ptr(cent), Ptr(hn), Ptr(tri[0]), Ptr(tri[1]), Ptr(tri[2]), Ptr(heads),
				I64(a.K.RowStride()), I64(stride1D(a.Points.Indices)), I64(a.Centroids.RowStride()),
				I32(S), I32(N), I32(a.Points.Start), I32(C), I32(D), I32(norm), I32(want)},
		}, Launch{
			Family: KMeans, Options: opt, Kernel: "kmeans_resolve",
			Grid:  [3]int{ceilDiv(N, KMeansResolvePoints), Hk, 1},
			Block: [3]int{KMeansBlock, 1, 1},
			Args: []Arg{Ptr(kk), Ptr(idx), Ptr(cent), Ptr(hn), Ptr(tri[0]), Ptr(tri[1]), Ptr(tri[2]), Ptr(heads),
				Ptr(labels), Ptr(dist), Ptr(sum64), Ptr(counts),
				I64(a.K.RowStride()), I64(stride1D(a.Points.Indices)), I64(a.Centroids.RowStride()),
				I64(a.Labels.RowStride()), I64(stride1D(a.Dist)), I64(stride1D(a.Counts)),
				I32(S), I32(N), I32(a.Points.Start), I32(C), I32(D), I32(norm), I32(nbits)},
		})
	}
	if sums {
		ls = append(ls, Launch{
			Family: KMeans, Options: opt, Kernel: "kmeans_sums",
			Grid:  [3]int{ceilDiv(C*D, KMeansBlock), Hk, 1},
			Block: [3]int{KMeansBlock, 1, 1},
			Args:  []Arg{Ptr(sum64), Ptr(heads), Ptr(sumsAd), I64(a.Sums.RowStride()), I32(C), I32(D), I32(norm), I32(nbits)},
		})
	}
	return ls, nil
}
