package cuda

import (
	"github.com/rotorkernels/rotor/kernels"
	"github.com/rotorkernels/rotor/ops"
)

// RoPE rotates q and (if non-nil) k in place in one launch of the rope
// kernel. Arguments are checked with ops.CheckRoPE, and position values
// on the device, before anything is written.
func (b *Backend) RoPE(a *ops.RoPEArgs) error {
	if err := ops.CheckRoPE(a, Name); err != nil {
		return err
	}
	cs := [...]valueCheck{{arg: "positions", t: a.Positions, rule: rulePositions, tolerated: true}}
	return b.run(cs[:], func() ([]kernels.Launch, error) { return kernels.PlanRoPE(a, b.mem(), b.kdev) })
}

// RoPEAppend rotates q in place and writes the rotated k and v into
// slots of the KV cache, in one launch of the rope_append kernel.
// Positions and slots (each in [0, S), none twice) are checked on the
// device before anything is written.
func (b *Backend) RoPEAppend(a *ops.RoPEAppendArgs) error {
	if err := ops.CheckRoPEAppend(a, Name); err != nil {
		return err
	}
	S := a.KCache.Shape[0]
	cs := [...]valueCheck{
		{arg: "positions", t: a.Positions, rule: rulePositions, tolerated: true},
		{arg: "slots", t: a.Slots, rule: ruleSlots, slots: S, tolerated: true},
	}
	return b.run(cs[:], func() ([]kernels.Launch, error) { return kernels.PlanRoPEAppend(a, b.mem(), b.kdev) })
}

// run is the body of every op once its arguments have passed their
// ops.Check function: enter the context, start a new scratch arena, plan
// the launches, check the argument values on the device, launch.
func (b *Backend) run(cs []valueCheck, plan func() ([]kernels.Launch, error)) error {
	if err := b.enter(); err != nil {
		return err
	}
	defer b.exit()
	if err := b.scratch.reset(); err != nil {
		return b.note(err)
	}
	ls, err := plan()
	if err != nil {
		return err
	}
	if err := b.checkValues(cs); err != nil {
		return err
	}
	return b.launchAll(ls)
}
