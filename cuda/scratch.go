package cuda

// scratchAlign is the alignment of every scratch region, in bytes.
const scratchAlign = 256

// minChunk is the smallest scratch chunk allocated.
const minChunk = 1 << 20

// arena hands out device scratch for one op at a time: regions from
// take stay valid until the op's launches complete, which the stream
// guarantees, since the next op's work is queued behind them. reset
// starts a new op. When an op needed more than one chunk, the next reset
// waits for the device, frees the chunks and allocates one chunk as
// large as their sum, so that steady state uses one chunk and never
// synchronises.
type arena struct {
	alloc func(n int) (uint64, error)
	free  func(p uint64, n int) error
	sync  func() error

	chunks []chunk
	used   int // bytes taken from chunks[len(chunks)-1]
	total  int // bytes taken by the current op, alignment included
}

type chunk struct {
	ptr  uint64
	size int
}

// reset starts a new op.
func (a *arena) reset() error {
	if len(a.chunks) > 1 {
		want := 0
		for _, c := range a.chunks {
			want += c.size
		}
		if err := a.freeAll(); err != nil {
			return err
		}
		p, err := a.alloc(want)
		if err != nil {
			return err
		}
		a.chunks = append(a.chunks, chunk{p, want})
	}
	a.used, a.total = 0, 0
	return nil
}

// take returns n bytes of scratch, 256-byte aligned, distinct from every
// other region taken since reset.
func (a *arena) take(n int) (uint64, error) {
	n = (max(n, 1) + scratchAlign - 1) &^ (scratchAlign - 1)
	if len(a.chunks) == 0 || a.used+n > a.chunks[len(a.chunks)-1].size {
		size := max(n, minChunk)
		if len(a.chunks) > 0 {
			size = max(size, 2*a.chunks[len(a.chunks)-1].size)
		}
		p, err := a.alloc(size)
		if err != nil {
			return 0, err
		}
		a.chunks = append(a.chunks, chunk{p, size})
		a.used = 0
	}
	p := a.chunks[len(a.chunks)-1].ptr + uint64(a.used)
	a.used += n
	a.total += n
	return p, nil
}

// freeAll waits for the device and frees every chunk.
func (a *arena) freeAll() error {
	if len(a.chunks) == 0 {
		return nil
	}
	err := a.sync()
	for _, c := range a.chunks {
		if e := a.free(c.ptr, c.size); err == nil {
			err = e
		}
	}
	a.chunks, a.used = a.chunks[:0], 0
	return err
}
