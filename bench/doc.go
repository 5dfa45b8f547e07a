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
// Bandwidth rows are compared with a copy peak: MemcpyGBps on the CPU (a
// multi-threaded copy of buffers far larger than the last-level cache,
// best of several runs) or, when the backend implements PeakMeasurer, the
// backend's own device-to-device copy. Arithmetic rows are compared with
// an FMA peak (FMAPeakGFlops on the CPU: independent vector FMA chains on
// every core; FlopsPeakMeasurer for devices). NewCtx measures both, Run
// measures them again after the rows and keeps the better of the two (a
// shared machine may be busy during one of them). Bandwidths count bytes
// read plus bytes written, for the copy and for every op alike.
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
