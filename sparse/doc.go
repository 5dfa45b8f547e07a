// Package sparse holds the selection policies that decide which KV-cache
// slots the sparse attention op (ops.Backend.Attention) reads. Every
// policy is built only on backend primitives — Scores, Criticality, TopK,
// PageMeta, PageScores, KMeansAssign, plus Alloc, Read and Write — so the
// same policy runs on the pure-Go fallback and on the CUDA backend.
// Host-side work is limited to small bookkeeping: expanding pages or
// clusters to slot lists, the Selection Cache, and the seeding and
// centroid updates of Squeezed's offline k-means.
//
// Each policy returns an ops.Selection: int32 slot rows of fixed width
// with -1 padding, at request or kv-head granularity, which it owns and
// rewrites on its next call.
//
// # Policies
//
// TokenSelect ("TokenSelect: Efficient Long-Context Inference and Length
// Extrapolation for LLMs via Dynamic Token-Level KV Cache Selection"):
// per-head q·k scores over the candidate tokens, a softmax per head
// summed over heads (the head soft vote), the Budget best tokens, plus
// the Sink first and Local last tokens. Granularity PerRequest votes over
// every query head and shares the selection (the paper's choice);
// PerKVHead votes within each GQA group. A Selection Cache reuses the
// vote while the cosine similarity of consecutive queries, flattened over
// heads, stays ≥ θ (DefaultTheta = 0.9), and counts hits and misses.
//
// Quest ("Quest: Query-Aware Sparsity for Efficient Long-Context LLM
// Inference"): element-wise key minimum and maximum per page of P slots
// and kv head, maintained incrementally with PageMeta as slots are
// appended; an upper bound of q·k per page with PageScores; the best
// pages per kv head (the newest page always), expanded to slots.
//
// Squeezed ("Squeezed Attention: Accelerating Long Context Length LLM
// Inference"): offline k-means per kv head over a fixed context's
// normalised keys (k-means++ seeding with a fixed seed, Lloyd rounds whose
// distance work is KMeansAssign; the same clusters on every backend);
// online,
// centroid scores with Scores, turned into estimated per-key attention
// probabilities; clusters passing a threshold or filling a token budget
// are expanded to slots, plus an always-kept window of last tokens.
//
// Window (StreamingLLM, "Efficient Streaming Language Models with
// Attention Sinks") keeps the first Sink and the last Window tokens; its
// LM-Infinite variant ("LM-Infinite: Zero-Shot Extreme Length
// Generalization for Large Language Models") also returns the
// ops.KeyRoPE that caps the rotated query–key distance inside the
// attention op.
//
// # Contexts
//
// A Context names one request's tokens in the slot pool K [S, Hk, D]:
// the slot range [Start, Start+Len), or a token-to-slot table Slots.
// Selections list slots in token order.
package sparse
