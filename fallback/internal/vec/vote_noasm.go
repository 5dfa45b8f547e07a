//go:build purego || !amd64

package vec

func maxOrdered(x []float32) float32                   { return maxOrderedGeneric(x) }
func maxOrderedAt(_ int, x []float32) float32          { return maxOrderedGeneric(x) }
func expSum64(x []float32, m float32) float64          { return expSum64Generic(x, m) }
func expSum64At(_ int, x []float32, m float32) float64 { return expSum64Generic(x, m) }
func softVote(out, s []float32, offs []int, m, inv []float32) {
	softVoteGeneric(out, s, offs, m, inv, 0)
}
func softVoteAt(_ int, out, s []float32, offs []int, m, inv []float32) {
	softVoteGeneric(out, s, offs, m, inv, 0)
}
