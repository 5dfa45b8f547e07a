package cuda

import (
	"github.com/rotorkernels/rotor/ops"
)

// stageBuf is one pinned staging buffer with the event recorded after
// the last copy that used it.
type stageBuf struct {
	host  []byte
	addr  uint64 // the buffer's address for the driver
	event handle
	busy  bool // a copy using the buffer may be in flight
}

// copyPiece is one staged transfer: height rows of width bytes, dense at
// hostOff in the caller's host bytes and pitched on the device (row i at
// devOff + i*pitch).
type copyPiece struct {
	hostOff, devOff int
	width, height   int
}

// forCopyPieces splits a copy of rows rows of width bytes, pitch bytes
// apart on the device, into pieces of at most capacity host bytes, and
// calls fn for each in order. Dense rows (pitch == width) are one long
// row. A row wider than capacity is split into pieces of one row each.
func forCopyPieces(rows, width, pitch, capacity int, fn func(p copyPiece) error) error {
	if rows == 0 || width == 0 {
		return nil
	}
	if pitch == width || rows == 1 {
		width, rows, pitch = width*rows, 1, width*rows
	}
	if width <= capacity {
		per := capacity / width
		for r := 0; r < rows; r += per {
			h := min(per, rows-r)
			if err := fn(copyPiece{hostOff: r * width, devOff: r * pitch, width: width, height: h}); err != nil {
				return err
			}
		}
		return nil
	}
	for r := 0; r < rows; r++ {
		for c := 0; c < width; c += capacity {
			w := min(capacity, width-c)
			if err := fn(copyPiece{hostOff: r*width + c, devOff: r*pitch + c, width: w, height: 1}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Write copies dense little-endian host bytes into dst (which may be
// strided), after the backend's earlier work, and returns when the copy
// is complete.
func (b *Backend) Write(dst *ops.Tensor, src []byte) error {
	if err := ops.CheckCopy("dst", dst, Name, "src", len(src)); err != nil || dst.Len() == 0 {
		return err
	}
	if err := b.enter(); err != nil {
		return err
	}
	defer b.exit()
	return b.writeLocked(dst, src)
}

// Read copies src into dense little-endian host bytes, after the
// backend's earlier work.
func (b *Backend) Read(dst []byte, src *ops.Tensor) error {
	if err := ops.CheckCopy("src", src, Name, "dst", len(dst)); err != nil || src.Len() == 0 {
		return err
	}
	if err := b.enter(); err != nil {
		return err
	}
	defer b.exit()
	return b.readLocked(dst, src)
}

// takeStage returns the next staging buffer once the copy that last used
// it has completed.
func (b *Backend) takeStage() (*stageBuf, error) {
	s := &b.stage[b.nextStage]
	b.nextStage ^= 1
	if s.busy {
		if err := b.drv.waitEvent(s.event); err != nil {
			return nil, b.note(err)
		}
		s.busy = false
	}
	return s, nil
}

// writeLocked copies src into the checked tensor dst through the staging
// buffers, double-buffered: filling one buffer overlaps the device copy
// from the other. It returns when every piece has reached the device.
func (b *Backend) writeLocked(dst *ops.Tensor, src []byte) error {
	base, err := b.addr(dst)
	if err != nil {
		return err
	}
	es := dst.DType.Size()
	width, pitch := dst.RowWidth()*es, dst.RowStride()*es
	err = forCopyPieces(dst.Rows(), width, pitch, stageBytes, func(p copyPiece) error {
		s, err := b.takeStage()
		if err != nil {
			return err
		}
		n := p.width * p.height
		copy(s.host[:n], src[p.hostOff:p.hostOff+n])
		c := copy2D{kind: hostToDevice, dst: base + uint64(p.devOff), dstPitch: pitch,
			src: s.addr, srcPitch: p.width, width: p.width, height: p.height}
		if err := b.drv.copy(c); err != nil {
			return b.note(err)
		}
		if err := b.drv.record(s.event); err != nil {
			return b.note(err)
		}
		s.busy = true
		return nil
	})
	if err != nil {
		return err
	}
	return b.note(b.drv.sync())
}

// readLocked copies the checked tensor src into dst through the staging
// buffers: the device fills one buffer while the host drains the other.
func (b *Backend) readLocked(dst []byte, src *ops.Tensor) error {
	base, err := b.addr(src)
	if err != nil {
		return err
	}
	es := src.DType.Size()
	width, pitch := src.RowWidth()*es, src.RowStride()*es
	var pending *stageBuf
	var pendingPiece copyPiece
	drain := func() error {
		if pending == nil {
			return nil
		}
		if err := b.drv.waitEvent(pending.event); err != nil {
			return b.note(err)
		}
		pending.busy = false
		n := pendingPiece.width * pendingPiece.height
		copy(dst[pendingPiece.hostOff:pendingPiece.hostOff+n], pending.host[:n])
		pending = nil
		return nil
	}
	err = forCopyPieces(src.Rows(), width, pitch, stageBytes, func(p copyPiece) error {
		s, err := b.takeStage()
		if err != nil {
			return err
		}
		c := copy2D{kind: deviceToHost, dst: s.addr, dstPitch: p.width,
			src: base + uint64(p.devOff), srcPitch: pitch, width: p.width, height: p.height}
		if err := b.drv.copy(c); err != nil {
			return b.note(err)
		}
		if err := b.drv.record(s.event); err != nil {
			return b.note(err)
		}
		s.busy = true
		if err := drain(); err != nil {
			return err
		}
		pending, pendingPiece = s, p
		return nil
	})
	if err != nil {
		return err
	}
	return drain()
}

// readTensor returns the dense bytes of the checked tensor t.
func (b *Backend) readTensor(t *ops.Tensor) ([]byte, error) {
	out := make([]byte, t.Len()*t.DType.Size())
	return out, b.readLocked(out, t)
}
