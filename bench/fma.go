package bench

import (
	"runtime"
	"sync"
	"time"
)

// fmaKernel runs iters iterations of independent fp32 FMA chains and
// returns the floating-point operations performed (two per lane per FMA).
type fmaKernel struct {
	name string
	run  func(iters int) float64
}

// FMAPeakGFlops measures the CPU's fp32 fused multiply-add throughput on
// every core: GOMAXPROCS goroutines each run independent FMA chains with
// each vector unit the CPU offers (AVX2+FMA and AVX-512 on amd64; a
// scalar Go loop elsewhere or with the purego tag), the kernels taking
// turns round by round, best round. The widest unit wins wherever it has
// the throughput to. It returns 1e9 operations per second (an FMA counts
// two) and the name of the instruction set that reached it.
func FMAPeakGFlops(quick bool) (gflops float64, isa string) {
	dur, runs := 40*time.Millisecond, 5
	if quick {
		dur, runs = 20*time.Millisecond, 3
	}
	workers := runtime.GOMAXPROCS(0)
	ks := fmaKernels()
	if len(ks) > 1 {
		ks = ks[1:] // a vector kernel always beats the scalar loop
	}
	for range runs {
		for _, k := range ks {
			if g := fmaPeak(k, workers, dur, 1); g > gflops {
				gflops, isa = g, k.name
			}
		}
	}
	return gflops, isa
}

// fmaPeak returns the best throughput of runs rounds in which workers
// goroutines each run k for about dur.
func fmaPeak(k fmaKernel, workers int, dur time.Duration, runs int) float64 {
	// Calibrate a chunk that lasts about a millisecond, so every
	// goroutine returns to Go often (assembly loops are not preemptible).
	iters := 1 << 10
	for {
		start := time.Now()
		k.run(iters)
		if time.Since(start) > 500*time.Microsecond || iters >= 1<<30 {
			break
		}
		iters *= 2
	}
	best := 0.0
	for r := 0; r < runs; r++ {
		var wg sync.WaitGroup
		flops := make([]float64, workers)
		start := time.Now()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for { // at least one chunk, however late the goroutine starts
					flops[w] += k.run(iters)
					if time.Since(start) >= dur {
						break
					}
				}
			}()
		}
		wg.Wait()
		el := time.Since(start).Seconds()
		total := 0.0
		for _, f := range flops {
			total += f
		}
		if g := total / el / 1e9; g > best {
			best = g
		}
	}
	return best
}

// fmaScalar is the portable kernel: eight independent float32
// multiply-add chains. The Go compiler may or may not fuse them; either
// way each step counts two operations.
func fmaScalar(iters int) float64 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	const m, c = 0.999, 1e-3
	for i := 0; i < iters; i++ {
		a0 = a0*m + c
		a1 = a1*m + c
		a2 = a2*m + c
		a3 = a3*m + c
		a4 = a4*m + c
		a5 = a5*m + c
		a6 = a6*m + c
		a7 = a7*m + c
	}
	sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
	return 16 * float64(iters)
}

// sink keeps fmaScalar's results alive.
var sink float32
