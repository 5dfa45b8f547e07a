// Package crosscheck compares a backend's ops with another backend's and
// with float64 references on random inputs: the checks behind
// "rotor check".
//
// Every op of the contract has a check, registered under its name with
// Register: rope, rope-append, attend, merge, scores, criticality, topk,
// pagemeta, pagescores and kmeans. Run calls them with a Ctx holding the
// backend under test and, optionally, a reference backend (normally the
// fallback). Each case yields a Result against the float64 reference,
// within the error bound package precision derives from the float32
// arithmetic the kernels perform, and, with a reference backend, one
// against that backend's output: bit for bit where the contract makes
// the op exact (RoPE and RoPE+append in Accurate mode, top-k, page
// metadata, k-means assignment), else within the sum of the two
// backends' bounds. Each Result states its criterion and its worst
// error; WriteTable prints them.
package crosscheck
