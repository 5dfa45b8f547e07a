// Package hosttest proves the CUDA kernels' arithmetic on the CPU. It
// compiles the kernel headers (../*.cuh) as plain C++ with g++ through
// cgo (-O2 -ffp-contract=off, no fast-math) and runs the very functions
// the kernels call — per-element RoPE math, angle reduction, bf16 and f16
// rounding, the thread-to-element mapping of whole rope and rope_append
// grids, online softmax and split merges, top-k radix logic — against
// package precision, the fallback backend and fp64 references.
//
// The tests need cgo; with CGO_ENABLED=0 they skip with a message.
//
// cgo does not notice edits to headers outside this directory, so
// headers_digest.h records the digest of the headers the package was
// built from; TestHeadersFresh fails when they have changed since. Run
// "go generate ./kernels/hosttest" after editing a header.
package hosttest

//go:generate go run ./internal/gendigest
