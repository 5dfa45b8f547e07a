package fallback

import "github.com/rotorkernels/rotor/fallback/internal/vec"

// rotateInterleaved rotates the GPT-J pairs (x[2i], x[2i+1]) of x by
// cos c[i] and sin s[i] with precision.RotatePair's operation order:
// every product rounded to float32, then one subtraction and one addition
// (no FMA). len(x) must be 2*len(c).
func rotateInterleaved(x, c, s []float32) { vec.RotateInterleaved(x, c, s) }
