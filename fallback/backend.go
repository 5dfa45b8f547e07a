package fallback

import (
	"github.com/rotorkernels/rotor/ops"
)

// Name is the backend name reported by Backend.Name and by host memory.
const Name = "fallback"

// Backend is the pure-Go implementation of ops.Backend. It is safe for
// concurrent use: ops only read their inputs and write their outputs, and
// the worker pool is shared.
type Backend struct {
	pool *pool
}

// New returns a fallback backend whose worker pool has one worker per
// GOMAXPROCS.
func New() *Backend {
	return &Backend{pool: sharedPool()}
}

// Name returns "fallback".
func (b *Backend) Name() string { return Name }

// Sync returns nil: fallback ops complete before they return.
func (b *Backend) Sync() error { return nil }

// Close releases nothing; the worker pool is shared by all backends.
func (b *Backend) Close() error { return nil }

var _ ops.Backend = (*Backend)(nil)
