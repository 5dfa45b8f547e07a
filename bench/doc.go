// Package bench measures rotor's ops on real model shapes and reports
// them against the machine's own limits, measured in the same run.
//
// # Workloads
//
// Models lists the shapes and RoPE schedules of Llama-3.1-8B, Qwen2.5-7B-1M,
// Phi-3-mini-128k and gpt-oss-20b. Ops register a function with Register;
// Run calls them with a Ctx holding the backend, the peaks and the
// options, and collects one Result per row.
//
// # Peaks
//
// Rows are compared with limits measured in the same run (Peaks), each
// the best the machine does so that no ratio flatters a row. On the host,
// on every core: the copy peak (CopyGBps: the best of Go's copy, a
// non-temporal-store copy and REP MOVSB over buffers far larger than the
// last-level cache), the read peak (ReadGBps: the best of several loops
// reading a 512 MiB pool in address order), the gather peak of a row size
// (GatherGBps: random rows of that size from the same pool) and the FMA
// peak (FMAPeakGFlops: independent FMA chains on the widest vector unit).
// A backend implementing PeakMeasurer or FlopsPeakMeasurer (a GPU)
// measures its own copy and FMA peaks instead, and has no read or gather
// peak. NewCtx measures the copy and FMA peaks, Finish the read and
// gather peaks when a row first needs them, and Run measures the copy,
// read and FMA peaks again after the rows and keeps the better of each
// (a shared machine may be busy during one measurement). Bandwidths count
// bytes read plus bytes written, for the copy and for every op alike; the
// read and gather peaks count bytes read.
//
// # Roofline
//
// Each row states its traffic: Bytes in all, of which ReadBytes are read
// once in address order and GatherBytes read as rows at scattered
// positions; the rest streams in and out like a copy. Its roofline is
// max(ReadBytes/read peak + GatherBytes/gather peak + rest/copy peak,
// Flops/FMA peak), the least time the machine allows for that traffic
// and arithmetic, and RatioToRoofline is the roofline over the row's
// time.
//
// # Timing
//
// Time warms up, then repeats batches of calls until a minimum time has
// passed, and reports the best per-call time (the minimum over batches):
// on a shared machine interference only ever adds time, so the minimum is
// the most repeatable estimate of what the code costs. The median is
// reported beside it.
//
// # Output
//
// WriteTable prints an aligned text table, WriteJSON a JSON list of
// Result objects, and WriteBenchfmt Go benchmark lines that benchstat
// reads.
package bench
