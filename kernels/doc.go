// Package kernels holds rotor's CUDA C++ kernels, compiles them at run time
// with NVRTC, and plans their launches.
//
// # Sources
//
// One kernel family per .cu file, embedded in the package (Source,
// Headers):
//
//	rope.cu          rope_vV            fused in-place RoPE of q and k
//	rope_append.cu   rope_append_vV     RoPE of q, k into KV-cache slots, v copied
//	attn_decode.cu   attn_decode_gG     split-KV gather attention, any query count
//	                 sel_rank_counts    valid entries per split (key RoPE by rank)
//	attn_prefill.cu  attn_prefill       tensor-core (mma.sync m16n8k16) attention
//	attn_merge.cu    attn_split_merge   combines attn_decode's splits, applies sinks
//	                 attn_merge2        the Merge op
//	scores.cu        qk_scores_gG       per-head q·k over candidate slots
//	criticality.cu   crit_stats         per-head softmax statistics (soft vote)
//	                 crit_vote          Σ over heads of the softmax weights
//	topk.cu          topk_radix         radix select, ascending column output
//	quest.cu         page_meta          Quest page min/max
//	                 page_scores_gG     Quest page upper bounds
//	kmeans.cu        kmeans_init        zeroes a k-means step's state and sums
//	                 kmeans_prep        centroid norms
//	                 kmeans_screen      float32 nearest-centroid screen, 64-point tiles
//	                 kmeans_resolve     exact labels, distances, fixed-point sums
//	                 kmeans_sums        the sums to float32
//
// V (1, 2, 4, 8) is the number of RoPE pairs a thread rotates and G (1, 2,
// 4, 8) the number of query heads of one GQA group a block serves; each
// such instance is a separate kernel inside one module.
//
// The arithmetic the kernels share lives in headers that compile both as
// CUDA C++ and as plain C++: rotor_types.cuh (bf16 and f16 rounding
// identical to package precision and github.com/x448/float16, unfused
// float operations), rope_math.cuh (the angle reduction, cos and sin and
// rotation of package precision operation for operation, and the whole
// per-thread bodies of the rope kernels), softmax.cuh (online softmax and
// merges), attn_common.cuh (selection addressing, in-kernel RoPE
// positions), crit_math.cuh, topk_radix.cuh and kmeans_math.cuh (the
// float64 distances, normalisation and fixed-point sums of package
// precision's k-means operation for operation). Package kernels/hosttest
// compiles them with g++ and proves them against package precision, the
// fallback backend and float64 references on the CPU — bit for bit for
// RoPE, whose kernels it runs thread by thread over the planned grids,
// and for k-means, whose launches it emulates from the planner's words.
//
// # Compilation
//
// A Compiler (Default, Compile, Precompile) compiles a Family specialised
// by Options — dtype, layout, angle mode, head dimensions, key RoPE —
// passed as -D defines (Flags), for an Arch: the device's compute
// capability clamped by ClampArch to what the linked NVRTC supports
// (SupportedArchs). Modules are cached in memory and on disk under
// DefaultCacheDir, keyed by CacheKey (source, headers, flags, NVRTC
// version); each entry carries its length and SHA-256, and a corrupt or
// truncated entry is deleted and rebuilt. Only nvrtc.go carries the cuda
// build tag and links NVRTC (gorgonia.org/cu/nvrtc and libnvrtc, never the
// driver package or libcuda, so compiling needs no GPU); without the tag
// Compile returns ops.ErrUnsupported. Variants enumerates what the
// planners can ask for; CI compiles all of them for sm_80 and sm_90 and
// checks ptxas's report against RegisterBudgets (CheckUsage).
//
// # Launching
//
// The Plan functions (PlanRoPE, PlanRoPEAppend, PlanAttention, PlanMerge,
// PlanScores, PlanCriticality, PlanTopK, PlanPageMeta, PlanPageScores) turn
// an op's validated arguments into the launches that perform it, in order:
// module (Family, Options), kernel name, grid, block, dynamic shared memory
// and the parameters (Launch.Args, Launch.Words). Parameters are pointers,
// i32, i64, float and double only, each in its own 8-byte word, which is
// what gorgonia.org/cu's Function.Launch reads; ParamKinds lists every
// kernel's parameter types and the tests check the planners, the PTX and
// the host emulations against it. The backend supplies device addresses,
// scratch memory and inverse-frequency tables through Memory, and the
// device size through Device. Every kernel uses static shared memory below
// 48 KB except crit_vote (Launch.Smem dynamic bytes, 8 per query head).
//
// Values in device memory (positions, slots, indices, sinks) are not read
// by the planners: the backend validates them as the ops require. The
// kernels never address memory through a bad value: an index outside
// [0, S) is padding, a slot outside [0, S) is not written.
package kernels
