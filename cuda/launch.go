package cuda

import (
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// planMem is the backend as the kernels package's launch planners see
// it (kernels.Memory). It is used only between enter and exit.
type planMem Backend

// Addr returns the device address of t's element 0.
func (p *planMem) Addr(t *ops.Tensor) (uint64, error) { return (*Backend)(p).addr(t) }

// Scratch returns device scratch valid until the op's launches complete.
func (p *planMem) Scratch(bytes int) (uint64, error) { return p.scratch.take(bytes) }

// InvFreq returns a device copy of r's inverse frequencies for mode m.
func (p *planMem) InvFreq(r *ops.Rotary, m ops.AngleMode) (uint64, error) { return p.inv.get(r, m) }

// mem returns the planners' view of b.
func (b *Backend) mem() kernels.Memory { return (*planMem)(b) }

// checkGeometry rejects a launch the device cannot run: an empty or
// oversized grid or block, an i32 parameter beyond the int32 range, more
// dynamic shared memory than smemOptin, or too many parameters. The planners never produce one; this turns a bug
// or an absurd shape into an error instead of a failed launch.
func checkGeometry(l *kernels.Launch, smemOptin int) error {
	if err := l.CheckGrid(); err != nil {
		return err
	}
	if err := l.CheckArgs(); err != nil {
		return err
	}
	if l.Smem < 0 || l.Smem > smemOptin {
		return ops.Errorf(ops.ErrUnsupported, "shared_memory", l.Smem, "%s: the device allows %d bytes per block", l.Kernel, smemOptin)
	}
	if len(l.Args) > maxArgs {
		return ops.Errorf(ops.ErrUnsupported, "args", len(l.Args), "%s: at most %d parameters", l.Kernel, maxArgs)
	}
	return nil
}

// packArgs returns the kernel parameters of l as 8-byte words in order,
// reusing buf: gorgonia.org/cu (and the driver, given one pointer per
// parameter) reads every parameter through an 8-byte word whose low bytes
// hold the value.
func packArgs(buf []uint64, args []kernels.Arg) []uint64 {
	buf = buf[:0]
	for _, a := range args {
		buf = append(buf, a.Bits)
	}
	return buf
}

// launchAll launches ls in order on the backend's stream (context
// current). Every kernel is compiled and loaded (on first use) and opted
// in to its shared memory before the first launch, so that an op either
// queues all its launches or none.
func (b *Backend) launchAll(ls []kernels.Launch) error {
	b.fns = b.fns[:0]
	for i := range ls {
		l := &ls[i]
		if err := checkGeometry(l, b.dev.info.SmemOptin); err != nil {
			return err
		}
		fn, err := b.dev.function(b.drv, l.Family, l.Options, l.Kernel)
		if err != nil {
			return b.note(err)
		}
		if err := b.dev.optIn(b.drv, fn, l.Smem); err != nil {
			return b.note(err)
		}
		b.fns = append(b.fns, fn)
	}
	for i := range ls {
		l := &ls[i]
		b.words = packArgs(b.words, l.Args)
		if err := b.drv.launch(b.fns[i].h, l.Grid, l.Block, l.Smem, b.words); err != nil {
			return b.note(err)
		}
	}
	return nil
}
