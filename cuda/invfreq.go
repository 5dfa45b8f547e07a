package cuda

import (
	"encoding/binary"
	"math"

	"github.com/rotorkernels/rotor/ops"
)

// invFreqEntries is the number of inverse-frequency tables kept on the
// device (least recently used evicted first).
const invFreqEntries = 32

// invFreqCache keeps device copies of RoPE inverse-frequency tables,
// keyed by their content (not by the Rotary pointer, so that a schedule
// edited in place is uploaded again): float64 values for Accurate angles,
// float32 for Compat.
type invFreqCache struct {
	b       *Backend
	entries []invFreqEntry
	tick    uint64
}

type invFreqEntry struct {
	compat bool
	hash   uint64
	f64    []float64 // Accurate: the values on the device
	f32    []float32 // Compat
	ptr    uint64
	bytes  int
	used   uint64
}

// f32At returns the float32 inverse frequency j of r, as ops.Rotary.F32
// would, without allocating.
func f32At(r *ops.Rotary, j int) float32 {
	if r.InvFreqF32 != nil {
		return r.InvFreqF32[j]
	}
	return float32(r.InvFreq[j])
}

// invFreqHash hashes the table mode m reads from r, one 64-bit word per
// value (FNV-1a's multiply over whole words).
func invFreqHash(r *ops.Rotary, m ops.AngleMode) uint64 {
	const prime = 1099511628211
	n := len(r.InvFreq)
	h := (uint64(14695981039346656037) ^ (uint64(n) | uint64(m)<<32)) * prime
	for j := 0; j < n; j++ {
		if m == ops.Compat {
			h = (h ^ uint64(math.Float32bits(f32At(r, j)))) * prime
		} else {
			h = (h ^ math.Float64bits(r.InvFreq[j])) * prime
		}
	}
	return h ^ h>>29
}

// matches reports whether e holds exactly the table mode m reads from r.
func (e *invFreqEntry) matches(r *ops.Rotary, compat bool, hash uint64) bool {
	if e.compat != compat || e.hash != hash {
		return false
	}
	n := len(r.InvFreq)
	if compat {
		if len(e.f32) != n {
			return false
		}
		for j, v := range e.f32 {
			if math.Float32bits(v) != math.Float32bits(f32At(r, j)) {
				return false
			}
		}
		return true
	}
	if len(e.f64) != n {
		return false
	}
	for j, v := range e.f64 {
		if math.Float64bits(v) != math.Float64bits(r.InvFreq[j]) {
			return false
		}
	}
	return true
}

// get returns the device address of r's table for angle mode m,
// uploading it on first use (context current).
func (c *invFreqCache) get(r *ops.Rotary, m ops.AngleMode) (uint64, error) {
	compat := m == ops.Compat
	hash := invFreqHash(r, m)
	c.tick++
	for i := range c.entries {
		if e := &c.entries[i]; e.matches(r, compat, hash) {
			e.used = c.tick
			return e.ptr, nil
		}
	}
	n := len(r.InvFreq)
	e := invFreqEntry{compat: compat, hash: hash, used: c.tick}
	if compat {
		e.f32 = make([]float32, n)
		for j := range e.f32 {
			e.f32[j] = f32At(r, j)
		}
		e.bytes = 4 * n
	} else {
		e.f64 = append([]float64(nil), r.InvFreq...)
		e.bytes = 8 * n
	}
	if len(c.entries) >= invFreqEntries {
		if err := c.evict(); err != nil {
			return 0, err
		}
	}
	p, err := c.b.internalAlloc(max(e.bytes, 8))
	if err != nil {
		return 0, err
	}
	e.ptr = p
	var raw []byte
	if compat {
		raw = ops.Bytes(e.f32)
	} else {
		raw = make([]byte, 0, e.bytes)
		for _, v := range e.f64 {
			raw = binary.LittleEndian.AppendUint64(raw, math.Float64bits(v))
		}
	}
	t := &ops.Tensor{DType: ops.I32, Shape: []int{len(raw) / 4}, Mem: &Memory{ptr: p, bytes: len(raw), ordinal: c.b.dev.info.Ordinal}}
	if err := c.b.writeLocked(t, raw); err != nil {
		c.b.internalFree(p, max(e.bytes, 8))
		return 0, err
	}
	c.entries = append(c.entries, e)
	return p, nil
}

// evict frees the least recently used table, after the device is done
// with the launches that may read it.
func (c *invFreqCache) evict() error {
	lru := 0
	for i := range c.entries {
		if c.entries[i].used < c.entries[lru].used {
			lru = i
		}
	}
	if err := c.b.note(c.b.drv.sync()); err != nil {
		return err
	}
	e := c.entries[lru]
	c.entries = append(c.entries[:lru], c.entries[lru+1:]...)
	return c.b.internalFree(e.ptr, max(e.bytes, 8))
}

// clear frees every table, reporting errors to keep.
func (c *invFreqCache) clear(keep func(error)) {
	for _, e := range c.entries {
		keep(c.b.internalFree(e.ptr, max(e.bytes, 8)))
	}
	c.entries = nil
}
