//go:build !cgo

package hosttest

import "testing"

func TestNeedsCgo(t *testing.T) {
	t.Skip("kernels/hosttest compiles the CUDA headers with g++ through cgo; CGO_ENABLED=0 disables it")
}
