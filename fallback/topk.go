package fallback

import (
	"math"

	"github.com/rotorkernels/rotor/internal/grow"
	"github.com/rotorkernels/rotor/ops"
)

// TopK writes, for each row of Scores, the columns of its K largest
// scores, ties broken toward the lower column, sorted ascending, -1 past
// the row's non-NaN scores (mapped through Map when given). NaN scores
// are never selected; -0 ties with +0.
//
// Each row takes expected and worst-case O(N) time, deterministically: the
// scores become order-preserving 32-bit keys, a three-pass radix select
// (11, 11 and 10 bits, the later passes over the first pass's bucket
// only) finds the K-th largest key T and how many entries equal to T are
// needed, and one scan in column order emits every key above T and the
// first needed entries equal to T. Rows are spread over the pool.
func (b *Backend) TopK(a *ops.TopKArgs) error {
	if err := ops.CheckTopK(a, Name); err != nil {
		return err
	}
	j := getTopKJob()
	defer putTopKJob(j)
	j.R, j.N, j.K = a.Scores.Shape[0], a.Scores.Shape[1], a.K
	j.s, j.rs = f32s(a.Scores), a.Scores.RowStride()
	j.out, j.outRS = i32s(a.Out), a.Out.RowStride()
	if a.Map != nil {
		j.m, j.mapBuf = denseI32(a.Map, j.mapBuf)
	}
	if j.K == 0 || j.R == 0 {
		return nil
	}
	w := b.pool.width()
	if len(j.scratch) < w {
		j.scratch = append(j.scratch, make([]topkScratch, w-len(j.scratch))...)
	}
	for i := range j.scratch[:w] { // every worker's, before any joins
		sc := &j.scratch[i]
		sc.keys = grow.Slice(sc.keys, j.N)
		if cap(sc.cand) < j.N {
			sc.cand = make([]uint32, 0, j.N)
		}
	}
	b.pool.run(j.R, 1, j)
	return nil
}

// topkJob is one TopK call; recycled.
type topkJob struct {
	R, N, K int
	s       []float32
	rs      int
	out     []int32
	outRS   int
	m       []int32
	mapBuf  []int32
	scratch []topkScratch
}

type topkScratch struct {
	keys, cand []uint32
	hist       [1 << 11]int32
}

var topkJobs = jobs[topkJob]{limit: 8}

func getTopKJob() *topkJob { return topkJobs.get() }

func putTopKJob(j *topkJob) {
	*j = topkJob{mapBuf: j.mapBuf[:0], scratch: j.scratch}
	topkJobs.put(j)
}

// sortKey maps a float32 to a uint32 whose unsigned order is the float
// order, with -0 equal to +0 and every NaN mapped to 0, below -Inf's key.
func sortKey(x float32) uint32 {
	if x != x {
		return 0
	}
	u := math.Float32bits(x)
	switch {
	case u == 1<<31: // -0
		return 1 << 31
	case u&(1<<31) != 0:
		return ^u
	}
	return u | 1<<31
}

func (j *topkJob) run(w, lo, hi int) {
	sc := &j.scratch[w]
	for r := lo; r < hi; r++ {
		j.row(sc, r)
	}
}

// row selects row r.
func (j *topkJob) row(sc *topkScratch, r int) {
	scores := j.s[r*j.rs : r*j.rs+j.N]
	out := j.out[r*j.outRS : r*j.outRS+j.K]
	keys := sc.keys
	valid := 0
	for i, x := range scores {
		k := sortKey(x)
		keys[i] = k
		if k != 0 {
			valid++
		}
	}
	k := min(j.K, valid)
	T, need := uint32(1), k // k == valid: every non-NaN key is taken
	if k > 0 && k < valid {
		T, need = sc.threshold(keys, k)
	}
	o := 0
	for i, key := range keys {
		if o == k {
			break
		}
		if key > T || key == T && need > 0 {
			if key == T {
				need--
			}
			if j.m != nil {
				out[o] = j.m[i]
			} else {
				out[o] = int32(i)
			}
			o++
		}
	}
	for ; o < j.K; o++ {
		out[o] = -1
	}
}

// threshold returns the k-th largest of keys (0 < k < number of non-zero
// keys) and how many entries equal to it belong to the top k.
func (sc *topkScratch) threshold(keys []uint32, k int) (T uint32, need int) {
	cand := keys
	var prefix, mask uint32
	for pass, shift := range [3]uint{21, 10, 0} {
		bits := uint32(11)
		if shift == 0 {
			bits = 10
		}
		digit := uint32(1)<<bits - 1
		clear(sc.hist[:digit+1])
		for _, key := range cand {
			if key&mask == prefix {
				sc.hist[key>>shift&digit]++
			}
		}
		var d uint32
		for d = digit; ; d-- {
			if c := int(sc.hist[d]); c >= k {
				break
			} else {
				k -= c
			}
		}
		prefix |= d << shift
		mask |= digit << shift
		if pass == 0 { // keep only the bucket holding the threshold
			sc.cand = sc.cand[:0]
			for _, key := range cand {
				if key&mask == prefix {
					sc.cand = append(sc.cand, key)
				}
			}
			cand = sc.cand
		}
	}
	return prefix, k
}
