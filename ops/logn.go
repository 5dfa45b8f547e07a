package ops

import "math"

// LogNScale returns the log-n attention scale of a query at position pos
// for a model trained on trainLen ≥ 2 tokens: log_trainLen(pos+1) when
// pos+1 > trainLen, else 1, i.e. max(1, ln(pos+1)/ln(trainLen)).
//
// This is the convention of Qwen's use_logn_attn (modeling_qwen.py builds
// logn_list[i−1] = log_seq_length(i) for i > seq_length, else 1, and
// multiplies the query at absolute position p, 0-based, by entry p), and
// the entropy-aware scaling of "Extending LLMs' Context Window with 100
// Samples". AttentionArgs.LogN applies it to the logits.
func LogNScale(pos, trainLen int32) float64 {
	if int64(pos)+1 <= int64(trainLen) {
		return 1
	}
	return math.Log(float64(pos)+1) / math.Log(float64(trainLen))
}
