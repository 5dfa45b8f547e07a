package cuda

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/rotorkernels/rotor/cuda/internal/devkern"
	"github.com/rotorkernels/rotor/ops"
)

// What a value check requires, and which ops.Check function states the
// rule and words the error.
type valueRule uint8

const (
	rulePositions valueRule = iota // ops.CheckPositions: ≥ 0
	ruleIndices                    // ops.CheckIndices: -1 or a slot in [0, S)
	ruleSlots                      // ops.CheckSlots: a slot in [0, S), each once
	ruleSinks                      // ops.CheckSinks: not NaN, not +Inf
	ruleLSE                        // ops.CheckLSEValues: not +Inf
)

// valueCheck is one argument tensor whose values an op must check before
// it writes anything.
type valueCheck struct {
	arg   string
	t     *ops.Tensor
	rule  valueRule
	slots int // S for ruleIndices and ruleSlots
	// tolerated: the op's kernels stay in bounds whatever the values, so
	// SetValueChecks(false) may skip the check.
	tolerated bool
}

// device returns the check as the validate kernel's descriptor (without
// its address and table).
func (c *valueCheck) device() devkern.Check {
	d := devkern.Check{N: int64(c.t.Len()), Width: int64(c.t.RowWidth()), RowStride: int64(c.t.RowStride())}
	hiSlot := int64(min(c.slots, math.MaxInt32+1)) - 1
	switch c.rule {
	case rulePositions:
		d.Kind, d.Lo, d.Hi = devkern.KindRange, 0, math.MaxInt32
	case ruleIndices:
		d.Kind, d.Lo, d.Hi = devkern.KindRange, -1, hiSlot
	case ruleSlots:
		d.Kind, d.Lo, d.Hi = devkern.KindUnique, 0, hiSlot
	case ruleSinks:
		d.Kind = devkern.KindLogit
	case ruleLSE:
		d.Kind = devkern.KindLSE
	}
	return d
}

// host runs the rule's ops.Check function over the tensor's dense bytes:
// the error it returns is exactly the fallback backend's.
func (c *valueCheck) host(raw []byte) error {
	switch c.rule {
	case rulePositions, ruleIndices, ruleSlots:
		v := make([]int32, len(raw)/4)
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		switch c.rule {
		case rulePositions:
			return ops.CheckPositions(c.arg, v)
		case ruleIndices:
			return ops.CheckIndices(c.arg, v, c.slots)
		default:
			return ops.CheckSlots(c.arg, v, c.slots)
		}
	}
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if c.rule == ruleSinks {
		return ops.CheckSinks(c.arg, v)
	}
	return ops.CheckLSEValues(c.arg, v)
}

// control is the pinned, device-mapped block through which the validate
// kernel receives its descriptors and returns its flags.
type control struct {
	host []byte
	dev  uint64
}

// Layout of the control block: maxChecks flags of 4 bytes, then
// maxChecks descriptors.
const (
	flagsOff     = 0
	descsOff     = 256
	controlBytes = descsOff + maxChecks*devkern.CheckSize
)

func (c *control) flag(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&c.host[flagsOff+4*i]))
}

// checkValues checks the values of every argument in cs on the device
// (context current), in one validate launch, and waits for the verdict.
// When the device flags a check, the flagged tensors are copied to the
// host and checked in order with the ops.Check functions, so the error
// names the same first element, value and argument as the fallback's.
//
// Cost: one launch and one wait for the stream, paid only by ops with
// value arguments; see the package documentation.
func (b *Backend) checkValues(cs []valueCheck) error {
	if b.drv.on {
		for i := range cs {
			if cs[i].t.Len() > 0 && !b.skips(&cs[i]) {
				return errCapture("a check of " + cs[i].arg + " on the device, which waits for it")
			}
		}
	}
	n, maxN := 0, int64(0)
	var active [maxChecks]int // index into cs of each descriptor
	for i := range cs {
		c := &cs[i]
		if c.t.Len() == 0 || b.skips(c) {
			continue
		}
		if n == maxChecks {
			return ops.Errorf(ops.ErrUnsupported, "checks", len(cs), "at most %d value checks per op", maxChecks)
		}
		d := c.device()
		p, err := b.addr(c.t)
		if err != nil {
			return err
		}
		d.Ptr = p
		if d.Kind == devkern.KindUnique {
			entries := devkern.TableEntries(d.N)
			tab, err := b.scratch.take(int(4 * entries))
			if err != nil {
				return err
			}
			if err := b.drv.memset32(tab, 0xffffffff, int(entries)); err != nil {
				return b.note(err)
			}
			d.Table, d.Mask = tab, entries-1
		}
		d.Put(b.ctl.host[descsOff+n*devkern.CheckSize:])
		atomic.StoreUint32(b.ctl.flag(n), 0)
		active[n] = i
		maxN = max(maxN, d.N)
		n++
	}
	if n == 0 {
		return nil
	}
	u, err := b.dev.utilities(b.drv)
	if err != nil {
		return b.note(err)
	}
	// The descriptors go to device memory in one copy on the stream, so
	// that the kernel's blocks do not each read them across the bus.
	descs, err := b.scratch.take(n * devkern.CheckSize)
	if err != nil {
		return err
	}
	c := copy2D{kind: hostToDevice, dst: descs, src: b.ctl.dev + descsOff, width: n * devkern.CheckSize, height: 1}
	c.dstPitch, c.srcPitch = c.width, c.width
	if err := b.drv.copy(c); err != nil {
		return b.note(err)
	}
	b.words = append(b.words[:0], descs, b.ctl.dev+flagsOff)
	grid := devkern.ValidateGrid(maxN, n, b.dev.info.SMs)
	if err := b.drv.launch(u.validate, grid, [3]int{devkern.Block, 1, 1}, 0, b.words); err != nil {
		return b.note(err)
	}
	if err := b.drv.sync(); err != nil {
		return b.note(err)
	}
	flagged := false
	for i := 0; i < n; i++ {
		flagged = flagged || atomic.LoadUint32(b.ctl.flag(i)) != 0
	}
	if !flagged {
		return nil
	}
	for i := range cs {
		c := &cs[i]
		if b.skips(c) {
			continue
		}
		raw, err := b.readTensor(c.t)
		if err != nil {
			return err
		}
		if err := c.host(raw); err != nil {
			return err
		}
	}
	var names []string
	for i := 0; i < n; i++ {
		if atomic.LoadUint32(b.ctl.flag(i)) != 0 {
			names = append(names, cs[active[i]].arg)
		}
	}
	return ops.Errorf(ops.ErrDevice, "validate", names, "the device flagged these values but the host finds them valid")
}

// skips reports whether SetValueChecks(false) drops check c.
func (b *Backend) skips(c *valueCheck) bool { return b.uncheckedValues && c.tolerated }
