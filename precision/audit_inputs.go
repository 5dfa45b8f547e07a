package precision

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/rotorkernels/rotor/ops"
)

// Random streams of an audit: each unit of work draws from its own PCG
// stream, keyed by the seed, a purpose and an index, so reports do not
// depend on scheduling.
const (
	streamPositions = iota + 1
	streamVectors
	streamInvariance
	streamSequence
	streamEq4
	streamEq5
)

// auditRand returns the random source for (seed, purpose, index).
func auditRand(seed uint64, purpose, index int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(purpose)<<32|uint64(index)))
}

// auditBuckets lays out the log2 position buckets up to maxPos and samples
// n positions in each: its first, second and last position and the rest
// log-uniform, all of them when the bucket holds at most n.
func auditBuckets(maxPos, n int, seed uint64) []Bucket {
	out := []Bucket{{Lo: 0, Hi: 1, Positions: []int32{0}}}
	for lo := 1; lo <= maxPos; lo *= 2 {
		hi := min(2*lo, maxPos+1)
		rng := auditRand(seed, streamPositions, len(out))
		out = append(out, Bucket{Lo: lo, Hi: hi, Positions: samplePositions(rng, lo, hi, n)})
	}
	return out
}

func samplePositions(rng *rand.Rand, lo, hi, n int) []int32 {
	if hi-lo <= n {
		p := make([]int32, 0, hi-lo)
		for i := lo; i < hi; i++ {
			p = append(p, int32(i))
		}
		return p
	}
	set := map[int]bool{lo: true, lo + 1: true, hi - 1: true}
	ratio := math.Log(float64(hi) / float64(lo))
	for len(set) < n {
		p := int(float64(lo) * math.Exp(rng.Float64()*ratio))
		set[min(max(p, lo), hi-1)] = true
	}
	p := make([]int32, 0, n)
	for v := range set {
		p = append(p, int32(v))
	}
	slices.Sort(p)
	return p
}

// gaussVectors returns n head vectors of N(0, 1) entries rounded to dt.
func gaussVectors(rng *rand.Rand, n, hd int, dt ops.DType) []float32 {
	x := make([]float32, n*hd)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	RoundSlice(dt, x, x)
	return x
}

// sinkSequence returns T query and key vectors in the "sink"
// configuration (key 0 scaled by 32, every query given
// +0.5·k_0/‖k_0‖) or the "isotropic" one (N(0, 1) only), rounded to dt,
// interleaved as [T][2][hd]: head 0 the query, head 1 the key of token t.
func sinkSequence(rng *rand.Rand, T, hd int, dt ops.DType, sink bool) []float32 {
	x := make([]float64, T*2*hd)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	if sink {
		k0 := x[hd : 2*hd]
		n := 0.0
		for i := range k0 {
			k0[i] *= 32
			n += k0[i] * k0[i]
		}
		n = math.Sqrt(n)
		for t := range T {
			q := x[2*t*hd : (2*t+1)*hd]
			for i := range q {
				q[i] += 0.5 * k0[i] / n
			}
		}
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	RoundSlice(dt, out, out)
	return out
}

// shiftedPositions returns [shift, shift+1, …, shift+T-1].
func shiftedPositions(shift, T int) []int32 {
	p := make([]int32, T)
	for i := range p {
		p[i] = int32(shift + i)
	}
	return p
}

// auditTile repeats v once for every position: rows×len(v) values.
func auditTile(v []float32, rows int) []float32 {
	out := make([]float32, 0, rows*len(v))
	for range rows {
		out = append(out, v...)
	}
	return out
}
