package fallback

// rotateInterleaved rotates the GPT-J pairs (x[2i], x[2i+1]) of x by
// cos c[i] and sin s[i] with precision.RotatePair's operation order:
// every product rounded to float32, then one subtraction and one addition
// (no FMA). len(x) must be 2*len(c).
func rotateInterleaved(x, c, s []float32) {
	s = s[:len(c)]
	x = x[:2*len(c)]
	for i, ci := range c {
		si := s[i]
		p := x[2*i : 2*i+2 : 2*i+2]
		a, b := p[0], p[1]
		ac, bs := float32(a*ci), float32(b*si)
		bc, as := float32(b*ci), float32(a*si)
		p[0], p[1] = ac-bs, bc+as
	}
}
