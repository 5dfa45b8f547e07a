package fallback

import "github.com/rotorkernels/rotor/ops"

// Ops not yet provided by this backend return ErrUnsupported. Each op
// moves out of this file into its own when it is implemented.

func unsupported(op string) error {
	return ops.Errorf(ops.ErrUnsupported, "op", op, "not implemented by the fallback backend")
}
