//go:build amd64 && !purego

package bench

import "golang.org/x/sys/cpu"

// fmaAVX2 runs iters iterations of twelve independent 8-lane FMAs.
//
//go:noescape
func fmaAVX2(iters int)

// fmaAVX512 runs iters iterations of twelve independent 16-lane FMAs.
//
//go:noescape
func fmaAVX512(iters int)

func fmaKernels() []fmaKernel {
	ks := []fmaKernel{{"scalar", fmaScalar}}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, fmaKernel{"avx2+fma", func(n int) float64 {
			fmaAVX2(n)
			return 12 * 8 * 2 * float64(n)
		}})
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, fmaKernel{"avx512f", func(n int) float64 {
			fmaAVX512(n)
			return 12 * 16 * 2 * float64(n)
		}})
	}
	return ks
}
