package bench

// Result is one benchmark row. Rates are per call: Seconds is the best
// (minimum) time of one call and every rate is derived from it.
type Result struct {
	// Op names the operation ("rope", "attend", "select", …).
	Op string `json:"op"`
	// Backend is the backend's name ("fallback", "cuda").
	Backend string `json:"backend"`
	// Model is the workload's model name (see Models).
	Model string `json:"model"`
	// Shape lists the row's sizes as space-separated key=value pairs,
	// e.g. "T=8192 Hq=32 Hk=8 D=128".
	Shape string `json:"shape"`
	// DType is the element type of the op's tensors ("bf16", "f32", …).
	DType string `json:"dtype"`
	// Seconds is the best time of one call.
	Seconds float64 `json:"seconds"`
	// MedianSeconds is the median time of one call over the batches.
	MedianSeconds float64 `json:"median_seconds,omitempty"`
	// Calls is the number of timed calls.
	Calls int `json:"calls"`
	// Bytes is the number of bytes one call reads plus writes.
	Bytes float64 `json:"bytes"`
	// Flops is the number of floating-point operations of one call
	// (a fused multiply-add counts two).
	Flops float64 `json:"flops,omitempty"`
	// GBps is Bytes/Seconds in 1e9 bytes per second.
	GBps float64 `json:"gbps"`
	// PeakGBps is the copy bandwidth measured in the same run (read plus
	// write bytes, like GBps).
	PeakGBps float64 `json:"peak_gbps"`
	// RatioToPeak is GBps/PeakGBps.
	RatioToPeak float64 `json:"ratio_to_peak"`
	// GatherPeakGBps is, for rows that gather rows at random slots of a
	// pool (sparse decode on a host backend), the bandwidth of a plain
	// random-row read of the same row size measured in the same run
	// (GatherGBps); 0 when not measured.
	GatherPeakGBps float64 `json:"gather_peak_gbps,omitempty"`
	// RatioToGatherPeak is GBps/GatherPeakGBps.
	RatioToGatherPeak float64 `json:"ratio_to_gather_peak,omitempty"`
	// StreamPeakGBps is, for rows that read a whole pool once in slot
	// order on a host backend (the selection scan, page metadata), the
	// bandwidth of a plain sequential read of a pool as large measured
	// in the same run (StreamGBps); 0 when not measured.
	StreamPeakGBps float64 `json:"stream_peak_gbps,omitempty"`
	// RatioToStreamPeak is GBps/StreamPeakGBps.
	RatioToStreamPeak float64 `json:"ratio_to_stream_peak,omitempty"`
	// PuregoSeconds is the best time of one call with the backend's hot
	// loops limited to plain Go (SIMDLimiter), for the rows that measure
	// it.
	PuregoSeconds float64 `json:"purego_seconds,omitempty"`
	// RatioToPurego is PuregoSeconds/Seconds: the speed-up of the vector
	// implementation over the plain-Go one.
	RatioToPurego float64 `json:"ratio_to_purego,omitempty"`
	// TFlops is Flops/Seconds in 1e12 operations per second.
	TFlops float64 `json:"tflops"`
	// PeakGFlops is the FMA peak measured in the same run, in 1e9
	// operations per second (CPU backends).
	PeakGFlops float64 `json:"peak_gflops,omitempty"`
	// PeakTFlops is the same peak in 1e12 operations per second.
	PeakTFlops float64 `json:"peak_tflops,omitempty"`
	// RatioToFlopsPeak is TFlops/PeakTFlops.
	RatioToFlopsPeak float64 `json:"ratio_to_flops_peak,omitempty"`
	// NaiveSeconds is the time of one call of the row's naive baseline,
	// when the op defines one.
	NaiveSeconds float64 `json:"naive_seconds,omitempty"`
	// RatioToNaive is NaiveSeconds/Seconds: how many times faster the op
	// is than its naive baseline.
	RatioToNaive float64 `json:"ratio_to_naive,omitempty"`
	// Skipped is set when the row could not run (Notes says why).
	Skipped bool `json:"skipped,omitempty"`
	// Notes says anything a reader needs to interpret the row.
	Notes string `json:"notes"`
}

// Derive fills the rates of r from Seconds, Bytes, Flops and
// NaiveSeconds and the given peaks (0 = unknown).
func (r *Result) Derive(peakGBps, peakGFlops float64) {
	r.PeakGBps = peakGBps
	r.PeakGFlops = peakGFlops
	r.PeakTFlops = peakGFlops / 1e3
	if r.Seconds <= 0 {
		return
	}
	r.GBps = GBps(r.Bytes, r.Seconds)
	r.TFlops = TFlops(r.Flops, r.Seconds)
	if peakGBps > 0 {
		r.RatioToPeak = r.GBps / peakGBps
	}
	if r.GatherPeakGBps > 0 {
		r.RatioToGatherPeak = r.GBps / r.GatherPeakGBps
	}
	if r.StreamPeakGBps > 0 {
		r.RatioToStreamPeak = r.GBps / r.StreamPeakGBps
	}
	if peakGFlops > 0 && r.Flops > 0 {
		r.RatioToFlopsPeak = r.TFlops / r.PeakTFlops
	}
	if r.PuregoSeconds > 0 {
		r.RatioToPurego = r.PuregoSeconds / r.Seconds
	}
	if r.NaiveSeconds > 0 {
		r.RatioToNaive = r.NaiveSeconds / r.Seconds
	}
}
