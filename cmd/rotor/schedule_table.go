package main

import (
	"github.com/rotorkernels/rotor/ops"
)

// invFreqHelp documents --inv-freq.
const invFreqHelp = "a model's own inverse frequencies as a .npy `FILE` of rotary_dim/2 float32 or float64 " +
	"entries, finite and ≥ 0 (0: the pair is not rotated), e.g. the inv_freq buffer of a Hugging Face rotary " +
	"embedding; float32 entries are the table compat angles use, exactly; with --head-dim (default: 2 × entries)"

// tableSchedule reads --inv-freq and returns it as an ops.Table schedule
// with --attention-factor, --head-dim, --rotary-dim (which must be twice
// the number of entries) and the layout l. A float32 file is taken as the
// float32 table itself (InvFreq is its exact widening); a float64 file
// gives InvFreq, whose float32 rounding Compat angles use.
func (s *scheduleFlags) tableSchedule(set map[string]bool, l ops.Layout) (*ops.Rotary, error) {
	for _, name := range []string{"hf-config", "seq-len", "base", "scaling"} {
		if set[name] {
			return nil, usagef("--%s conflicts with --inv-freq", name)
		}
	}
	a, err := readNPY("--inv-freq", s.invFreq)
	if err != nil {
		return nil, err
	}
	if err := a.checkRank(1, "[rotary_dim/2]"); err != nil {
		return nil, err
	}
	n := a.shape[0]
	if !a.isFloat() {
		return nil, ops.Errorf(ops.ErrDType, "--inv-freq dtype", a.descr, "want float32 or float64")
	}
	if n == 0 || 2*n > ops.MaxHeadDim {
		return nil, ops.Errorf(ops.ErrShape, "--inv-freq shape", a.shape, "want 1 to %d entries", ops.MaxHeadDim/2)
	}
	if s.rotaryDim != 0 && s.rotaryDim != 2*n {
		return nil, usageError{ops.Errorf(ops.ErrShape, "--rotary-dim", s.rotaryDim, "want 2 × the %d entries of --inv-freq", n)}
	}
	head := s.headDim
	if head == 0 {
		head = 2 * n
	}
	if head < 2*n {
		return nil, usageError{ops.Errorf(ops.ErrShape, "--head-dim", head, "want ≥ 2 × the %d entries of --inv-freq", n)}
	}
	if set["attention-factor"] && s.attnFactor == 0 {
		return nil, usageError{ops.Errorf(ops.ErrRange, "--attention-factor", s.attnFactor, "want a finite positive number")}
	}
	p := ops.TableParams{HeadDim: head, InvFreq: a.f64, InvFreqF32: a.f32, AttentionFactor: s.attnFactor, Layout: l}
	r, err := ops.Table(p)
	if err != nil {
		// The entries come from the file; the head dim and factor from flags.
		err = renameArgs(err, map[string]string{"inv_freq": "--inv-freq", "inv_freq_f32": "--inv-freq"})
		err = flagError(err, map[string]string{"head_dim": "--head-dim", "attention_factor": "--attention-factor"})
	}
	return r, err
}
