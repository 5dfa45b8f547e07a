// Package ops defines what rotor computes: the Backend interface every
// implementation satisfies, tensors and dtypes, RoPE schedules (Rotary and
// its constructors, including a reader of Hugging Face config.json files),
// attention and selection arguments, typed errors, and the argument
// validation every backend calls before it touches memory.
//
// Package ops executes nothing. The pure-Go backend lives in
// rotor/fallback and the CUDA backend in rotor/cuda (build tag cuda); both
// are checked by the same conformance suite, rotor/ops/opstest.
//
// # Layout
//
// Tensors are row-major. Queries are [tokens, q_heads, head_dim], keys
// [tokens, kv_heads, head_dim], the KV cache is a token-slot pool
// [slots, kv_heads, head_dim] and positions are int32 [tokens]. The leading
// dimension may have a row stride larger than its width, so q and k can be
// views into one fused QKV buffer. With grouped-query attention query head
// h reads kv head h / (q_heads / kv_heads).
package ops
