//go:build !purego

package vec

import "github.com/rotorkernels/rotor/precision"

// Each k-means kernel runs level l's assembly over the elements up to a
// multiple of 8 and the plain-Go form over the rest: element j always
// goes to lane j mod 8, so the split changes no bit.

func kmeansDistLanes(s *[precision.KMeansLanes]float64, y, c []float32) {
	kmeansDistLanesAt(level, s, y, c)
}

func kmeansDistLanesAt(l int, s *[precision.KMeansLanes]float64, y, c []float32) {
	n := 0
	if l != levelGeneric {
		n = len(y) &^ 7
		if l == levelAVX512 {
			kmeansDistLanesAVX512(s, y, c)
		} else {
			kmeansDistLanesAVX2(s, y, c)
		}
	}
	kmeansDistLanesGeneric(s, y, c, n)
}

func kmeansNormLanes(s *[precision.KMeansLanes]float64, x []float32) { kmeansNormLanesAt(level, s, x) }

func kmeansNormLanesAt(l int, s *[precision.KMeansLanes]float64, x []float32) {
	n := 0
	if l != levelGeneric {
		n = len(x) &^ 7
		if l == levelAVX512 {
			kmeansNormLanesAVX512(s, x)
		} else {
			kmeansNormLanesAVX2(s, x)
		}
	}
	kmeansNormLanesGeneric(s, x, n)
}

func kmeansScale(y, x []float32, inv float64) { kmeansScaleAt(level, y, x, inv) }

func kmeansScaleAt(l int, y, x []float32, inv float64) {
	n := 0
	if l != levelGeneric {
		n = len(x) &^ 7
		if l == levelAVX512 {
			kmeansScaleAVX512(y, x, inv)
		} else {
			kmeansScaleAVX2(y, x, inv)
		}
	}
	kmeansScaleGeneric(y, x, inv, n)
}

func kmeansAddFixed(acc []int64, y []float32, scale float64) { kmeansAddFixedAt(level, acc, y, scale) }

func kmeansAddFixedAt(l int, acc []int64, y []float32, scale float64) {
	n := 0
	if l != levelGeneric {
		n = len(y) &^ 7
		if l == levelAVX512 {
			kmeansAddFixedAVX512(acc, y, scale)
		} else {
			kmeansAddFixedAVX2(acc, y, scale)
		}
	}
	kmeansAddFixedGeneric(acc, y, scale, n)
}
