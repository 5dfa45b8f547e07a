package bench

// Result is one benchmark row. Rates are per call: Seconds is the best
// (minimum) time of one call and every rate is derived from it.
type Result struct {
	// Op names the operation ("rope", "attend", "select", …).
	Op string `json:"op"`
	// Backend is the backend's name ("fallback", "cuda").
	Backend string `json:"backend"`
	// SIMD is the vector level the backend's hot loops ran at, for
	// backends that have levels (SIMDLimiter: the fallback's
	// "avx512bf16", "avx512", "avx2" or "purego").
	SIMD string `json:"simd,omitempty"`
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
	// ReadBytes is the part of Bytes read in one pass in address order
	// (a whole KV pool, page metadata, a score matrix): the roofline
	// reads it at the read peak.
	ReadBytes float64 `json:"read_bytes,omitempty"`
	// GatherBytes is the part of Bytes read as rows of GatherRowBytes at
	// scattered positions (the K and V rows of selected slots): the
	// roofline reads it at the gather peak of that row size. The rest of
	// Bytes (Bytes − ReadBytes − GatherBytes) streams in and out like a
	// copy and is costed at the copy peak.
	GatherBytes    float64 `json:"gather_bytes,omitempty"`
	GatherRowBytes int     `json:"gather_row_bytes,omitempty"`
	// GBps is Bytes/Seconds in 1e9 bytes per second.
	GBps float64 `json:"gbps"`
	// PeakGBps is the copy bandwidth measured in the same run (read plus
	// write bytes, like GBps), reached with CopyPeakMethod.
	PeakGBps       float64 `json:"peak_gbps"`
	CopyPeakMethod string  `json:"copy_peak_method,omitempty"`
	// RatioToPeak is GBps/PeakGBps.
	RatioToPeak float64 `json:"ratio_to_peak"`
	// GatherPeakGBps is, for rows that gather (GatherBytes > 0) on a host
	// backend, the bandwidth of a plain random read of rows of
	// GatherRowBytes measured in the same run (GatherGBps); 0 when not
	// measured.
	GatherPeakGBps float64 `json:"gather_peak_gbps,omitempty"`
	// RatioToGatherPeak is GBps/GatherPeakGBps.
	RatioToGatherPeak float64 `json:"ratio_to_gather_peak,omitempty"`
	// ReadPeakGBps is, for rows that read in address order (ReadBytes >
	// 0) on a host backend, the sequential read bandwidth measured in the
	// same run (ReadGBps), reached with ReadPeakMethod; 0 when not
	// measured.
	ReadPeakGBps   float64 `json:"read_peak_gbps,omitempty"`
	ReadPeakMethod string  `json:"read_peak_method,omitempty"`
	// RatioToReadPeak is GBps/ReadPeakGBps.
	RatioToReadPeak float64 `json:"ratio_to_read_peak,omitempty"`
	// RooflineSeconds is the least time the row's traffic and arithmetic
	// allow on this machine: max(memory time, Flops / FMA peak), the
	// memory time being ReadBytes at the read peak plus GatherBytes at the
	// gather peak plus the rest of Bytes at the copy peak (a peak not
	// measured is replaced by the copy peak). RooflineBound names the
	// larger term: "fma", or the access costing the most memory time
	// ("read", "gather", "copy").
	RooflineSeconds float64 `json:"roofline_seconds,omitempty"`
	RooflineBound   string  `json:"roofline_bound,omitempty"`
	// RatioToRoofline is RooflineSeconds/Seconds: the fraction of the
	// machine's limit the row reaches (1 = at the roofline).
	RatioToRoofline float64 `json:"ratio_to_roofline,omitempty"`
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
	// operations per second, reached with the instruction set FMAPeakISA.
	PeakGFlops float64 `json:"peak_gflops,omitempty"`
	FMAPeakISA string  `json:"fma_peak_isa,omitempty"`
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
// NaiveSeconds, the peaks p and r's own GatherPeakGBps (0 = unknown):
// GB/s and TFLOP/s, the ratios to each peak, and the roofline.
func (r *Result) Derive(p Peaks) {
	r.PeakGBps, r.CopyPeakMethod = p.CopyGBps, p.CopyMethod
	r.PeakGFlops, r.FMAPeakISA = p.GFlops, p.FMAISA
	r.PeakTFlops = p.GFlops / 1e3
	r.ReadPeakGBps, r.ReadPeakMethod = 0, ""
	if r.ReadBytes > 0 && p.ReadGBps > 0 {
		r.ReadPeakGBps, r.ReadPeakMethod = p.ReadGBps, p.ReadMethod
	}
	r.RooflineSeconds, r.RooflineBound = r.roofline()
	if r.Seconds <= 0 {
		return
	}
	r.GBps = GBps(r.Bytes, r.Seconds)
	r.TFlops = TFlops(r.Flops, r.Seconds)
	if r.PeakGBps > 0 {
		r.RatioToPeak = r.GBps / r.PeakGBps
	}
	if r.GatherPeakGBps > 0 {
		r.RatioToGatherPeak = r.GBps / r.GatherPeakGBps
	}
	if r.ReadPeakGBps > 0 {
		r.RatioToReadPeak = r.GBps / r.ReadPeakGBps
	}
	if r.PeakGFlops > 0 && r.Flops > 0 {
		r.RatioToFlopsPeak = r.TFlops / r.PeakTFlops
	}
	if r.RooflineSeconds > 0 {
		r.RatioToRoofline = r.RooflineSeconds / r.Seconds
	}
	if r.PuregoSeconds > 0 {
		r.RatioToPurego = r.PuregoSeconds / r.Seconds
	}
	if r.NaiveSeconds > 0 {
		r.RatioToNaive = r.NaiveSeconds / r.Seconds
	}
}
