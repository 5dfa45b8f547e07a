//go:build purego || !amd64

package vec

func copyRowsStream([]float32, int, []float32, int) bool { return false }
func storeFenceAt(int)                                   {}
