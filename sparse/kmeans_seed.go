package sparse

import (
	"math/rand/v2"
	"sort"

	"github.com/rotorkernels/rotor/precision"
)

// seedBatch caps the seeds drawn between two refreshes of the distances.
const seedBatch = 256

// headSeeds is the k-means++ state of one kv head.
type headSeeds struct {
	rng   *rand.Rand
	idx   []int       // the seeds' tokens, in order
	ys    [][]float32 // their points
	fresh int         // seeds the distances best cover
	best  []float32   // each point's distance to its nearest covered seed
	cum   []float64   // prefix sums of best
}

// seed draws k-means++ seeds for every head: the first token uniformly,
// each next one with probability proportional to its squared distance to
// the nearest seed already drawn (the D² distribution). Keeping that
// distance exact after every seed would take a pass over all points per
// seed; instead the distances to all seeds are refreshed with one
// KMeansAssign against the seeds drawn since the last refresh, and in
// between each seed is drawn exactly from the D² distribution by
// rejection: a token proposed in proportion to its refreshed distance b
// is accepted with probability d/b, d its distance to every seed so far
// (b less any closer recent seed, computed on the host with
// precision.KMeansDist, as KMeansAssign computes b). Batches double up to
// seedBatch, and end early when proposals keep being rejected (a new seed
// took much of the distance mass), so that the work is about one Lloyd
// round's. Each head draws from its own PCG stream keyed by seed+h.
func (k *clustering) seed(seed uint64) ([][][]float32, error) {
	hs := make([]*headSeeds, k.hk)
	for h := range hs {
		s := &headSeeds{rng: rand.New(rand.NewPCG(seed+uint64(h), 0x5eedc1a57e25))}
		if err := k.addSeed(s, s.rng.IntN(k.n), h); err != nil {
			return nil, err
		}
		hs[h] = s
	}
	for first := true; ; first = false {
		if err := k.refresh(hs, first); err != nil {
			return nil, err
		}
		more := false
		for h, s := range hs {
			if len(s.idx) == k.c {
				continue
			}
			if err := k.drawBatch(s, h); err != nil {
				return nil, err
			}
			more = true
		}
		if !more {
			break
		}
	}
	cent := make([][][]float32, k.hk)
	for h, s := range hs {
		cent[h] = s.ys
	}
	return cent, nil
}

// addSeed makes token i a seed of head h.
func (k *clustering) addSeed(s *headSeeds, i, h int) error {
	y, err := k.point(i, h)
	if err != nil {
		return err
	}
	s.idx, s.ys = append(s.idx, i), append(s.ys, y)
	return nil
}

// refresh lowers every head's distances to cover its new seeds with one
// KMeansAssign against them (a head with fewer new seeds repeats its last
// seed, which changes no minimum), and rebuilds the prefix sums. The
// first refresh also finds the keys that are not finite.
func (k *clustering) refresh(hs []*headSeeds, first bool) error {
	b := 0
	for _, s := range hs {
		b = max(b, len(s.idx)-s.fresh)
	}
	if b == 0 {
		return nil
	}
	batch := make([][][]float32, k.hk)
	for h, s := range hs {
		batch[h] = append([][]float32(nil), s.ys[s.fresh:]...)
		for len(batch[h]) < b {
			batch[h] = append(batch[h], s.ys[len(s.ys)-1])
		}
	}
	if err := k.assign(batch, b, false); err != nil {
		return err
	}
	if first {
		labels, err := k.readLabels()
		if err != nil {
			return err
		}
		if err := k.nonFinite(labels); err != nil {
			return err
		}
	}
	dist, err := k.readDist()
	if err != nil {
		return err
	}
	for h, s := range hs {
		if s.best == nil {
			s.best, s.cum = dist[h], make([]float64, k.n)
		} else {
			for i, v := range dist[h] {
				s.best[i] = min(s.best[i], v)
			}
		}
		total := 0.0
		for i, v := range s.best {
			total += float64(v)
			s.cum[i] = total
		}
		s.fresh = len(s.idx)
	}
	return nil
}

// drawBatch draws head h's next seeds from the D² distribution by
// rejection against its refreshed distances: up to as many as it has
// (at most seedBatch and the clusters still missing), fewer when the
// rejections since the refresh exceed twice the acceptances plus 16.
func (k *clustering) drawBatch(s *headSeeds, h int) error {
	want := min(k.c-len(s.idx), max(1, len(s.idx)), seedBatch)
	total := s.cum[k.n-1]
	rejected := 0
	for drawn := 0; drawn < want && rejected <= 2*drawn+16; {
		if !(total > 0) { // every point is a seed's copy: draw uniformly
			if err := k.addSeed(s, s.rng.IntN(k.n), h); err != nil {
				return err
			}
			drawn++
			continue
		}
		u := s.rng.Float64() * total
		i := sort.Search(k.n, func(i int) bool { return s.cum[i] > u })
		i = min(i, k.n-1)
		y, err := k.point(i, h)
		if err != nil {
			return err
		}
		d := s.best[i]
		for _, p := range s.ys[s.fresh:] {
			d = min(d, float32(precision.KMeansDist(y, p)))
		}
		if s.rng.Float64()*float64(s.best[i]) < float64(d) {
			s.idx, s.ys = append(s.idx, i), append(s.ys, y)
			drawn++
		} else {
			rejected++
		}
	}
	return nil
}
