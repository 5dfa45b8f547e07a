package bench

import (
	"runtime"
	"sync"
	"time"

	"github.com/rotorkernels/rotor/internal/cputime"
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
// scalar Go loop elsewhere or with the purego tag), in short rounds (3 ms)
// with the kernels taking turns round by round, each goroutine's work
// counted against the CPU time its thread got (see fmaRound); the best
// round wins, so the widest unit wins wherever it has the throughput. It returns 1e9 operations per second (an FMA counts two)
// and the name of the instruction set that reached it.
func FMAPeakGFlops(quick bool) (gflops float64, isa string) {
	runs := 30
	if quick {
		runs = 12
	}
	workers := runtime.GOMAXPROCS(0)
	ks := fmaKernels()
	if len(ks) > 1 {
		ks = ks[1:] // a vector kernel always beats the scalar loop
	}
	iters := make([]int, len(ks))
	for i, k := range ks {
		iters[i] = fmaChunk(k)
	}
	for range runs {
		for i, k := range ks {
			if g := fmaRound(k, iters[i], workers, 3*time.Millisecond); g > gflops {
				gflops, isa = g, k.name
			}
		}
	}
	return gflops, isa
}

// fmaChunk returns the iterations of k that last about half a
// millisecond, so that every goroutine returns to Go often (assembly
// loops are not preemptible) and a round ends close to its duration.
func fmaChunk(k fmaKernel) int {
	iters := 1 << 10
	for {
		start := time.Now()
		k.run(iters)
		if time.Since(start) > 500*time.Microsecond || iters >= 1<<30 {
			return iters
		}
		iters *= 2
	}
}

// fmaRound returns the throughput, in 1e9 operations per second, of one
// round in which workers goroutines each run chunks of iters iterations
// of k until dur has passed (at least one chunk each). Where the system
// reports per-thread CPU time, each goroutine's operations are divided by
// the CPU time its thread got, and the rates summed: what the cores do
// when they are not shared, however busy the machine is (FMA throughput
// per core-second does not depend on other processes, unlike memory
// bandwidth). Elsewhere it is all operations over the round's wall time.
func fmaRound(k fmaKernel, iters, workers int, dur time.Duration) float64 {
	var wg sync.WaitGroup
	flops := make([]float64, workers)
	rates := make([]float64, workers)
	perThread := true
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			c0, ok0 := cputime.Thread()
			for { // at least one chunk, however late the goroutine starts
				flops[w] += k.run(iters)
				if time.Since(start) >= dur {
					break
				}
			}
			if c1, ok1 := cputime.Thread(); ok0 && ok1 && c1 > c0 {
				rates[w] = flops[w] / (c1 - c0).Seconds()
			} else {
				perThread = false
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	total, rate := 0.0, 0.0
	for w := range workers {
		total += flops[w]
		rate += rates[w]
	}
	if !perThread {
		rate = total / el
	}
	return rate / 1e9
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
