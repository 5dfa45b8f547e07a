package vec

import "github.com/rotorkernels/rotor/precision"

// The float64 arithmetic of k-means, identical bit for bit to package
// precision's definitions at every level: eight float64 lanes in vector
// registers perform exactly the lane sums the definitions state.

// KMeansDist returns precision.KMeansDist(y, c) (len(c) ≥ len(y)).
func KMeansDist(y, c []float32) float64 {
	var s [precision.KMeansLanes]float64
	kmeansDistLanes(&s, y, c[:len(y)])
	return precision.KMeansLaneTotal(&s)
}

// KMeansNorm2 returns precision.KMeansNorm2(x).
func KMeansNorm2(x []float32) float64 {
	var s [precision.KMeansLanes]float64
	kmeansNormLanes(&s, x)
	return precision.KMeansLaneTotal(&s)
}

// KMeansScale is precision.KMeansScale(y, x, inv) (len(y) ≥ len(x)).
func KMeansScale(y, x []float32, inv float64) { kmeansScale(y[:len(x)], x, inv) }

// KMeansAddFixed adds precision.KMeansFixed(y[j], scale) to acc[j] for j
// < len(y) (len(acc) ≥ len(y)). Every |y[j]·scale| must be below 2⁵¹,
// as precision.KMeansSumShift's shift guarantees for its bound.
func KMeansAddFixed(acc []int64, y []float32, scale float64) { kmeansAddFixed(acc[:len(y)], y, scale) }

// The plain-Go forms, from column from on.

func kmeansDistLanesGeneric(s *[precision.KMeansLanes]float64, y, c []float32, from int) {
	precision.KMeansLanesAdd(s, y[from:], c[from:])
}

func kmeansNormLanesGeneric(s *[precision.KMeansLanes]float64, x []float32, from int) {
	precision.KMeansLanesAdd(s, x[from:], nil)
}

func kmeansScaleGeneric(y, x []float32, inv float64, from int) {
	precision.KMeansScale(y[from:], x[from:], inv)
}

func kmeansAddFixedGeneric(acc []int64, y []float32, scale float64, from int) {
	for j := from; j < len(y); j++ {
		acc[j] += precision.KMeansFixed(y[j], scale)
	}
}
