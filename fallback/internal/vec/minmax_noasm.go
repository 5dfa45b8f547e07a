//go:build purego || !amd64

package vec

func minMaxRows(mn, mx []float32, k []float32, stride, rows int) {
	minMaxRowsGeneric(mn, mx, k, stride, rows, 0, false)
}
func minMaxRowsBF16(mn, mx []float32, k []uint16, stride, rows int) {
	minMaxRowsGeneric(mn, mx, k, stride, rows, 0, false)
}
func minMaxRowsF16(mn, mx []float32, k []uint16, stride, rows int) {
	minMaxRowsGeneric(mn, mx, k, stride, rows, 0, true)
}
func minMaxRowsAt[T uint16 | float32](_ int, mn, mx []float32, k []T, stride, rows int, f16 bool) {
	minMaxRowsGeneric(mn, mx, k, stride, rows, 0, f16)
}
