package fallback

import "github.com/rotorkernels/rotor/fallback/internal/vec"

// blockSoftmax folds the logits of the tile's first lanes lanes over the
// block's nb keys into their running state, in one vector call for all
// lanes: sc.x receives the softmax weights relative to each lane's new
// maximum (0 for masked keys), l is rescaled and summed, and the
// accumulators of the lanes whose maximum grew are rescaled. A lane with
// no visible key in the block keeps its state.
func (j *attnJob) blockSoftmax(sc *attnScratch, lanes, nb int) {
	alpha, Dv := sc.alpha[:lanes], j.Dv
	vec.SoftmaxBlock(sc.x, j.blk, nb, sc.m[:lanes], sc.l[:lanes], alpha)
	for L, a := range alpha {
		if a != 1 {
			vec.Scale(a, sc.acc[L*Dv:(L+1)*Dv])
		}
	}
}
