package fallback

import "github.com/rotorkernels/rotor/fallback/internal/vec"

// Impl names the implementation of the backend's hot loops chosen at
// start-up for this CPU: "purego" for the plain-Go loops, or the name of
// an assembly variant.
func Impl() string { return vec.Impl() }
