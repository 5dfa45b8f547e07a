//go:build purego || !amd64

package vec

import "github.com/rotorkernels/rotor/precision"

func kmeansDistLanes(s *[precision.KMeansLanes]float64, y, c []float32) {
	kmeansDistLanesGeneric(s, y, c, 0)
}

func kmeansDistLanesAt(_ int, s *[precision.KMeansLanes]float64, y, c []float32) {
	kmeansDistLanesGeneric(s, y, c, 0)
}

func kmeansNormLanes(s *[precision.KMeansLanes]float64, x []float32) { kmeansNormLanesGeneric(s, x, 0) }

func kmeansNormLanesAt(_ int, s *[precision.KMeansLanes]float64, x []float32) {
	kmeansNormLanesGeneric(s, x, 0)
}

func kmeansScale(y, x []float32, inv float64) { kmeansScaleGeneric(y, x, inv, 0) }

func kmeansScaleAt(_ int, y, x []float32, inv float64) { kmeansScaleGeneric(y, x, inv, 0) }

func kmeansAddFixed(acc []int64, y []float32, scale float64) { kmeansAddFixedGeneric(acc, y, scale, 0) }

func kmeansAddFixedAt(_ int, acc []int64, y []float32, scale float64) {
	kmeansAddFixedGeneric(acc, y, scale, 0)
}
