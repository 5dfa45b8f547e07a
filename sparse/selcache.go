package sparse

// DefaultTheta is the default cosine-similarity threshold of TokenSelect's
// Selection Cache: the value used throughout the TokenSelect paper.
const DefaultTheta = 0.9

// CacheStats counts how often a Selection Cache was consulted and reused.
// Only steps that needed a vote count: a context short enough to be
// selected whole is neither a hit nor a miss.
type CacheStats struct {
	Hits   int // steps that reused the cached selection
	Misses int // steps that recomputed it
}

// Rate returns Hits / (Hits + Misses), or 0 before the first step.
func (s CacheStats) Rate() float64 {
	if n := s.Hits + s.Misses; n > 0 {
		return float64(s.Hits) / float64(n)
	}
	return 0
}

// selCache is the Selection Cache: the query that produced the cached
// top-k part of the selection, and the context it was computed for.
type selCache struct {
	valid bool
	q     []float32
	ctx   Context
	stats CacheStats
}

// hit reports whether the cached selection may serve query q over ctx:
// same tokens (the context may have grown) and cos(q, cached q) ≥ theta.
func (c *selCache) hit(q []float32, ctx *Context, theta float64) bool {
	if !c.valid || len(q) != len(c.q) || !ctx.same(&c.ctx) {
		return false
	}
	return cosine(q, c.q) >= theta
}

// store records q and ctx as the cache's key.
func (c *selCache) store(q []float32, ctx *Context) {
	c.valid, c.q, c.ctx = true, q, *ctx
}
