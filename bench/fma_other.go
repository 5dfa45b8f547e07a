//go:build !amd64 || purego

package bench

func fmaKernels() []fmaKernel { return []fmaKernel{{"scalar", fmaScalar}} }
