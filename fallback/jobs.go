package fallback

import "sync"

// jobs is one op's free list of recycled job objects. It hands out the
// most recently returned job first, so a caller repeating a call gets
// back the job whose buffers and per-worker scratch that call already
// sized (and that are still warm in cache); a first-in-first-out list
// would rotate through every job it holds and grow each in turn. It
// keeps at most limit jobs, enough for as many concurrent callers.
type jobs[T any] struct {
	mu    sync.Mutex
	free  []*T
	limit int
}

// get returns a recycled job, or a new zero one when none is free.
func (l *jobs[T]) get() *T {
	l.mu.Lock()
	if n := len(l.free); n > 0 {
		j := l.free[n-1]
		l.free[n-1] = nil
		l.free = l.free[:n-1]
		l.mu.Unlock()
		return j
	}
	l.mu.Unlock()
	return new(T)
}

// put returns j to the list; it is dropped when the list is full.
func (l *jobs[T]) put(j *T) {
	l.mu.Lock()
	if l.free == nil {
		l.free = make([]*T, 0, l.limit)
	}
	if len(l.free) < l.limit {
		l.free = append(l.free, j)
	}
	l.mu.Unlock()
}
