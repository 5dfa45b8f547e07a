//go:build purego || !amd64

package vec

func pageBounds(x []float32, xstride int, q []float32, d int, scale float32, mn, mx []float32, offs []int) {
	pageBoundsGeneric(x, xstride, q, d, scale, mn, mx, offs, 0)
}

func pageBoundsAt(_ int, x []float32, xstride int, q []float32, d int, scale float32, mn, mx []float32, offs []int) {
	pageBoundsGeneric(x, xstride, q, d, scale, mn, mx, offs, 0)
}
