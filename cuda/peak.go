package cuda

import (
	"math"

	"github.com/rotorkernels/rotor/cuda/internal/devkern"
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// Peak measurement sizes.
const (
	peakCopyBytes = 512 << 20 // per buffer; smaller when the device is short of memory
	peakCopyRuns  = 10
	peakFMAIters  = 2048
	peakFMARuns   = 5
)

// PeakGBps measures the device's copy bandwidth: the best of several
// timed device-to-device copies of a 512 MiB buffer, counting bytes read
// plus bytes written, in 1e9 bytes per second. It implements the bench
// package's PeakMeasurer, so benchmark rows compare with it.
func (b *Backend) PeakGBps() (float64, error) {
	if err := b.enter(); err != nil {
		return 0, err
	}
	defer b.exit()
	size := peakCopyBytes
	if free, _, err := b.drv.memInfo(); err == nil {
		for size > 1<<20 && 2*size > free/2 {
			size /= 2
		}
	}
	src, err := b.internalAlloc(size)
	if err != nil {
		return 0, err
	}
	defer b.internalFree(src, size)
	dst, err := b.internalAlloc(size)
	if err != nil {
		return 0, err
	}
	defer b.internalFree(dst, size)
	if err := b.drv.memset32(src, 0x3f800000, size/4); err != nil {
		return 0, b.note(err)
	}
	c := copy2D{kind: deviceToDevice, dst: dst, src: src, dstPitch: size, srcPitch: size, width: size, height: 1}
	ms, err := b.bestOf(peakCopyRuns, func() error { return b.drv.copy(c) })
	if err != nil {
		return 0, err
	}
	if err := b.note(b.drv.sync()); err != nil {
		return 0, err
	}
	return copyGBps(size, ms), nil
}

// copyGBps returns the bandwidth of a copy of size bytes taking ms
// milliseconds, counting the bytes read and the bytes written.
func copyGBps(size int, ms float64) float64 {
	if ms <= 0 {
		return math.Inf(1)
	}
	return 2 * float64(size) / (ms * 1e-3) / 1e9
}

// PeakGFlops measures the device's float32 FMA throughput with the
// fma_peak kernel (independent FMA chains filling every SM), best of
// several runs, in 1e9 operations per second (an FMA counts two). It
// implements the bench package's FlopsPeakMeasurer.
func (b *Backend) PeakGFlops() (float64, error) {
	if err := b.enter(); err != nil {
		return 0, err
	}
	defer b.exit()
	u, err := b.dev.utilities(b.drv)
	if err != nil {
		return 0, b.note(err)
	}
	grid := devkern.FMAGrid(b.dev.info.SMs)
	n := grid[0] * devkern.Block * 4
	out, err := b.internalAlloc(n)
	if err != nil {
		return 0, err
	}
	defer b.internalFree(out, n)
	args := []kernels.Arg{kernels.Ptr(out), kernels.I32(peakFMAIters), kernels.F32(1 - 1.0/4096), kernels.F32(1e-3)}
	ms, err := b.bestOf(peakFMARuns, func() error {
		b.words = packArgs(b.words, args)
		return b.drv.launch(u.fmaPeak, grid, [3]int{devkern.Block, 1, 1}, 0, b.words)
	})
	if err != nil {
		return 0, err
	}
	if err := b.note(b.drv.sync()); err != nil {
		return 0, err
	}
	if ms <= 0 {
		return 0, ops.Errorf(ops.ErrDevice, "fma_peak", ms, "the timing events measured no time")
	}
	return devkern.FMAFlops(grid[0], peakFMAIters) / (ms * 1e-3) / 1e9, nil
}

// bestOf runs work once to warm up, then runs times times between the
// timing events, and returns the shortest time in milliseconds.
func (b *Backend) bestOf(runs int, work func() error) (float64, error) {
	if err := work(); err != nil {
		return 0, b.note(err)
	}
	best := math.Inf(1)
	for r := 0; r < runs; r++ {
		if err := b.drv.record(b.timing[0]); err != nil {
			return 0, b.note(err)
		}
		if err := work(); err != nil {
			return 0, b.note(err)
		}
		if err := b.drv.record(b.timing[1]); err != nil {
			return 0, b.note(err)
		}
		if err := b.drv.waitEvent(b.timing[1]); err != nil {
			return 0, b.note(err)
		}
		ms, err := b.drv.elapsed(b.timing[0], b.timing[1])
		if err != nil {
			return 0, b.note(err)
		}
		best = min(best, ms)
	}
	return best, nil
}
