package bench

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// PeakMeasurer is implemented by backends that can measure their own copy
// bandwidth (a device-to-device copy on a GPU). NewCtx uses it instead of
// CopyGBps. The result counts bytes read plus bytes written, in 1e9
// bytes per second.
type PeakMeasurer interface {
	PeakGBps() (float64, error)
}

// FlopsPeakMeasurer is implemented by backends that can measure their own
// arithmetic peak (fp32 FMA throughput), in 1e9 operations per second. NewCtx
// uses it instead of FMAPeakGFlops.
type FlopsPeakMeasurer interface {
	PeakGFlops() (float64, error)
}

// Peaks are the limits a run's rows are compared with, each measured in
// the same run: the best the machine (or device) does, so that no ratio
// flatters a row.
type Peaks struct {
	// CopyGBps is the copy bandwidth, bytes read plus bytes written per
	// second (1e9): on the host the best of the methods CopyGBps tries,
	// named by CopyMethod ("go copy", "non-temporal avx512", "rep
	// movsb", …), or
	// the backend's own device-to-device copy (CopyMethod "<name> copy").
	CopyGBps   float64
	CopyMethod string
	// ReadGBps is the host's sequential read bandwidth (measured by ReadGBps), bytes
	// read per second (1e9), and ReadMethod the read loop that reached
	// it; 0 and "" on a device backend.
	ReadGBps   float64
	ReadMethod string
	// GFlops is the fp32 FMA peak in 1e9 operations per second (an FMA
	// counts two), FMAISA the instruction set that reached it ("avx512f",
	// "avx2+fma", "scalar", or "<name> fma" for a device).
	GFlops float64
	FMAISA string
}

// String describes the known peaks with the method that reached each,
// e.g. "copy 38.2 GB/s (rep movsb), read 41.0 GB/s (vector avx512), fp32
// fma 330.5 GFLOP/s (avx512f)".
func (p Peaks) String() string {
	var s []string
	add := func(v float64, format, how string) {
		if v <= 0 {
			return
		}
		if how != "" {
			how = " (" + how + ")"
		}
		s = append(s, fmt.Sprintf(format, v)+how)
	}
	add(p.CopyGBps, "copy %.1f GB/s", p.CopyMethod)
	add(p.ReadGBps, "read %.1f GB/s", p.ReadMethod)
	add(p.GFlops, "fp32 fma %.1f GFLOP/s", p.FMAISA)
	return strings.Join(s, ", ")
}

// raise keeps, peak by peak, the better of p and o (with its method).
func (p *Peaks) raise(o Peaks) {
	if o.CopyGBps > p.CopyGBps {
		p.CopyGBps, p.CopyMethod = o.CopyGBps, o.CopyMethod
	}
	if o.ReadGBps > p.ReadGBps {
		p.ReadGBps, p.ReadMethod = o.ReadGBps, o.ReadMethod
	}
	if o.GFlops > p.GFlops {
		p.GFlops, p.FMAISA = o.GFlops, o.FMAISA
	}
}

// bestRound returns the shortest wall time of runs rounds, each running
// work(w) on its own goroutine for every w < workers and waiting for all
// of them: the timing of the fixed-work peaks (copy, read, gather).
func bestRound(runs, workers int, work func(w int)) time.Duration {
	best := time.Duration(0)
	for r := 0; r < runs; r++ {
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(w)
			}()
		}
		wg.Wait()
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	return best
}
