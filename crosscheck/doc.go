// Package crosscheck compares a backend's ops with another backend's and
// with float64 references on random inputs: the checks behind
// "rotor check".
//
// Each op registers a Func with Register; Run calls them with a Ctx
// holding the backend under test and the reference backend (normally the
// fallback) or, with no reference backend, compares the backend with
// float64 references computed on the host. Every case yields one Result
// that states its pass criterion (bit for bit for RoPE in Accurate mode)
// and its worst error; WriteTable prints them.
package crosscheck
