// Package cuda is rotor's CUDA backend: the ops.Backend contract run by
// the hand-written kernels of package kernels on an NVIDIA GPU.
//
// Build with -tags cuda (Open, Devices and the driver exist only then; a
// build without the tag has just the driver-independent parts and their
// tests). A binary built with the tag links gorgonia.org/cu, needs
// libcuda.so.1 to start and exits at start-up when the driver finds no
// device. Kernels are compiled at run time by NVRTC for the device's
// compute capability and cached in memory and on disk (package kernels).
//
// # Streams, contexts, threads and concurrency
//
// A Backend from Open has its own non-blocking stream on its device's
// primary context; one from OpenStream uses a caller's context and
// stream (an engine's), which it never synchronises beyond what every
// backend does (below) and never destroys. Every op, copy and launch of
// the backend is ordered on its stream. A Backend is safe for use by
// several goroutines: a mutex per backend serialises its calls, and
// during each call the goroutine is locked to its OS thread with the
// backend's context made current there, so a call costs no goroutine
// hand-off (the driver's current context is per thread); when the call
// returns, the context the thread had current before (or none) is
// current again. For work that should overlap on the device, open one
// Backend per goroutine: backends of one context share compiled modules
// but not streams or locks. Memory may be used by several backends of
// one device, but each orders only its own work: call Sync on the
// backend that wrote a tensor before another backend reads it.
//
// Ops return when their work is queued (Write, Read and Sync wait for
// it), except that an op whose arguments carry values to check waits for
// its value check (below). A kernel fault surfaces as an ErrDevice at the
// next call that waits. It leaves the CUDA context unusable for the rest
// of the process, for every backend and library that shares it: the
// backend then refuses every call but Close, and only a new process can
// use the device again.
//
// # CUDA graphs
//
// A backend on a caller's stream may be called while the stream is being
// captured into a CUDA graph (stream capture), which records launches
// but forbids waiting for the device and, in the default capture mode,
// allocating. Every op — RoPE, RoPEAppend, Attention, Merge, Scores,
// Criticality, TopK, PageMeta, PageScores — is then capture-safe under
// two conditions: value checks are off (SetValueChecks(false): a check
// waits for its verdict), and the op has run once before the capture
// with the same dtypes, head dimensions, schedule and shapes no larger
// (its kernels are compiled and loaded, its scratch memory allocated and
// its RoPE table uploaded). During a capture the backend queues nothing
// but the op's launches (and device-to-device copies), so the graph
// replays exactly them. Write, Read, Sync, Alloc, Free and Close are not
// capture-safe. A call that would wait, allocate, copy from the host or
// load a module fails with ErrUnsupported naming the stream before
// anything is queued, leaving the capture intact; an op's launches are
// queued all or none.
//
// # Memory
//
// Alloc returns zeroed device memory owned by the backend; MemInUse
// counts it. Wrap turns an engine's device pointer into a tensor without
// copying; the engine keeps ownership. Free releases an allocation after
// the backend's queued work, and every tensor over it is rejected from
// then on. Close frees whatever the caller did not, together with the
// backend's scratch, tables and pinned buffers; LiveBytes totals the
// device memory of every open backend. Write and Read copy through two
// pinned staging buffers of 4 MiB, double-buffered, with 2-D copies for
// strided tensors.
//
// # Value checks
//
// Shapes, dtypes, strides and buffer sizes are checked on the host with
// the ops.Check functions, as in every backend. Values that live in
// device memory — positions, slot indices, slots to write, sink and LSE
// logits — are checked on the device, before the op's kernels run, by
// one launch of the backend's validate kernel over every such argument
// of the op (ranges, NaN and +Inf, and, for the slots of RoPEAppend,
// uniqueness through a hash table in scratch memory). The host waits for
// the verdict, and so for the backend's earlier work: one kernel launch
// and one stream synchronisation, a few microseconds of device idle time
// between ops, which an op without such arguments does not pay. When a
// value is bad, the op's checked arguments are copied to the host and
// checked again, in order, with the ops.Check functions, so the error is
// exactly the one the fallback backend returns, and nothing has been
// written.
// SetValueChecks(false) drops the checks whose bad values cannot make a
// kernel touch memory out of bounds, for engines that guarantee them.
package cuda
