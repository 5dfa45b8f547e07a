package ops

// KMeansAssignArgs are the arguments of Backend.KMeansAssign: the
// assignment step of Lloyd's k-means, per kv head, with the statistics
// of the update step (Squeezed Attention clusters a fixed context's keys
// this way, offline).
//
// The points are the key rows K[slot(i), h, :] (K [S, Hk, D] of a float
// dtype) of the slots listed by Points: the slot range [Start, End) (End
// 0 = S) or a request-granularity I32 [N] list whose -1 entries are
// padding (list values outside [-1, S) fail with ErrRange). Each row is
// widened to float32 and, with Normalize, scaled to unit L2 norm; the
// exact arithmetic is precision.KMeansPoint. Centroids is F32 [Hk, C, D],
// C ≥ 1.
//
// Labels (I32 [Hk, N]) receives for each point y of kv head h the first
// centroid c of head h with the least precision.KMeansDist(y, c), a
// float64 squared distance whose every operation is specified, so every
// backend returns the same labels (ties go to the lower centroid). Dist
// (F32 [Hk, N], optional) receives that distance rounded to float32.
// Sums (F32 [Hk, C, D]) and Counts (I32 [Hk, C]), optional and given
// together, receive each cluster's sum of points and its size: the sums
// are exact fixed-point sums rounded once (precision.KMeansSumShift,
// precision.KMeansFixed and precision.KMeansFixedValue, with the largest
// |y_j| of head h's finite points, or 1 with Normalize), so they too are
// the same on every backend. precision.RefKMeansAssign is the definition as code.
//
// Non-finite inputs propagate, as in FlashAttention: a point with a NaN
// or infinite element gets label -1 and distance NaN and is left out of
// the sums and counts; a centroid with one makes every point of its head
// unlabelled (-1, NaN). Padding points get label -1 and distance +Inf.
type KMeansAssignArgs struct {
	K         *Tensor
	Points    Selection
	Normalize bool
	Centroids *Tensor
	Labels    *Tensor
	Dist      *Tensor
	Sums      *Tensor
	Counts    *Tensor
}
