package ops

// kmeansSelNames names the point selection of KMeansAssign in errors.
var kmeansSelNames = selNames{"points.indices", "points.start", "points.end", "points.granularity"}

// CheckKMeansAssign validates a KMeansAssign call for backend: K [S, Hk,
// D] of a float dtype with Hk, D ≥ 1; points either the slot range
// [Start, End) or a request-granularity I32 [N] list; Centroids F32 [Hk,
// C, D] with C ≥ 1; Labels I32 [Hk, N]; the optional Dist F32 [Hk, N];
// Sums F32 [Hk, C, D] and Counts I32 [Hk, C], both or neither; the
// outputs in memory of their own (ErrBuffer when one overlaps an input or
// another output). Index values are checked by CheckIndices.
func CheckKMeansAssign(a *KMeansAssignArgs, backend string) error {
	if a == nil {
		return Errorf(ErrShape, "args", nil, "arguments are required")
	}
	if err := CheckTensor("k", a.K, backend, 3, F32, BF16, F16); err != nil {
		return err
	}
	S, Hk, D := a.K.Shape[0], a.K.Shape[1], a.K.Shape[2]
	if Hk < 1 || D < 1 {
		return Errorf(ErrShape, "k.shape", a.K.Shape, "want kv heads and a head dimension ≥ 1")
	}
	if a.Points.Indices != nil && a.Points.Granularity != PerRequest {
		return Errorf(ErrConfig, "points.granularity", a.Points.Granularity, "want request: one point list for all heads")
	}
	if err := checkSelection(kmeansSelNames, &a.Points, backend, 1, Hk, S); err != nil {
		return err
	}
	N := CandidateCount(&a.Points, S)
	if err := CheckTensor("centroids", a.Centroids, backend, 3, F32); err != nil {
		return err
	}
	if err := CheckDim("centroids", a.Centroids, 0, Hk); err != nil {
		return err
	}
	C := a.Centroids.Shape[1]
	if C < 1 {
		return Errorf(ErrShape, "centroids.shape[1]", C, "want at least one centroid")
	}
	if err := CheckDim("centroids", a.Centroids, 2, D); err != nil {
		return err
	}
	if err := checkRows("labels", a.Labels, backend, I32, Hk, N); err != nil {
		return err
	}
	if a.Dist != nil {
		if err := checkRows("dist", a.Dist, backend, F32, Hk, N); err != nil {
			return err
		}
	}
	if (a.Sums == nil) != (a.Counts == nil) {
		arg, t := "counts", a.Counts
		if a.Sums == nil {
			arg, t = "sums", a.Sums
		}
		return Errorf(ErrShape, arg, t, "want sums and counts both or neither")
	}
	if a.Sums != nil {
		if err := CheckTensor("sums", a.Sums, backend, 3, F32); err != nil {
			return err
		}
		for i, want := range [3]int{Hk, C, D} {
			if err := CheckDim("sums", a.Sums, i, want); err != nil {
				return err
			}
		}
		if err := checkRows("counts", a.Counts, backend, I32, Hk, C); err != nil {
			return err
		}
	}
	return checkKMeansDisjoint(a)
}

// checkKMeansDisjoint checks that every output of a KMeansAssign call has
// memory of its own: none overlaps an input or an earlier output.
func checkKMeansDisjoint(a *KMeansAssignArgs) error {
	const inputs = 3 // then the outputs, in the order of their checks
	ts := [...]struct {
		arg string
		t   *Tensor
	}{{"k", a.K}, {"points.indices", a.Points.Indices}, {"centroids", a.Centroids},
		{"labels", a.Labels}, {"dist", a.Dist}, {"sums", a.Sums}, {"counts", a.Counts}}
	for o := inputs; o < len(ts); o++ {
		for _, in := range ts[:o] {
			if err := CheckDisjoint(in.arg, in.t, ts[o].arg, ts[o].t); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRows checks a rank-2 tensor of dtype dt and shape [rows, cols].
func checkRows(arg string, t *Tensor, backend string, dt DType, rows, cols int) error {
	if err := CheckTensor(arg, t, backend, 2, dt); err != nil {
		return err
	}
	if err := CheckDim(arg, t, 0, rows); err != nil {
		return err
	}
	return CheckDim(arg, t, 1, cols)
}
