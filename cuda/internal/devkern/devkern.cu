// devkern.cu: the CUDA backend's own kernels. "validate" checks the values
// of an op's index, position and logit arguments before the op's kernels
// run; "fma_peak" measures the device's float32 FMA throughput for the
// benchmarks' roofline.
//
// Compiled by NVRTC with no defines; every kernel is extern "C".

typedef int i32;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

// Check kinds (devkern.go: KindRange, KindLogit, KindUnique, KindLSE).
#define ROTOR_CHECK_RANGE 0   // i32 value in [lo, hi]
#define ROTOR_CHECK_LOGIT 1   // f32 value neither NaN nor +Inf
#define ROTOR_CHECK_UNIQUE 2  // i32 value in [lo, hi], and no value twice
#define ROTOR_CHECK_LSE 3     // f32 value other than +Inf

// Check describes one argument tensor to check: an i32 or f32 tensor whose
// leading dimension may be strided. Element i (flat, row-major) lives at
// ptr + 4*((i / width) * row_stride + i % width). Every field is 8 bytes,
// so the layout has no padding; devkern.go writes it byte for byte.
struct Check {
    u64 ptr;         // device address of element 0
    i64 n;           // number of elements
    i64 width;       // elements per row of the leading dimension (≥ 1)
    i64 row_stride;  // elements between consecutive rows
    i64 kind;        // ROTOR_CHECK_*
    i64 lo;          // inclusive bounds of i32 values
    i64 hi;
    u64 table;       // UNIQUE: i32 open-addressing table, every entry -1
    i64 mask;        // UNIQUE: table entries - 1 (a power of two minus one)
    i64 reserved;
};

// Ten 8-byte fields in order: no padding, field k at byte 8k.
static_assert(sizeof(Check) == 80, "Check is 80 bytes (devkern.CheckSize)");

// seen_before inserts x into the table and reports whether it was already
// there. The table has at least twice as many entries as values are
// inserted, so probing always ends.
__device__ __forceinline__ bool seen_before(i32* table, u32 mask, i32 x) {
    u32 h = ((u32)x * 2654435761u) & mask;
    for (;;) {
        i32 old = atomicCAS(&table[h], -1, x);
        if (old == -1) {
            return false;
        }
        if (old == x) {
            return true;
        }
        h = (h + 1u) & mask;
    }
}

// validate: block row blockIdx.y checks checks[blockIdx.y] (device
// memory, read once per block) with a grid-stride loop over its elements
// and sets flags[blockIdx.y] (pinned host memory mapped into the device)
// to 1 when any element is bad. It reads only the described elements and
// writes only its flag and (UNIQUE) the table.
//
// Launch: block (256, 1, 1); grid (gx, number of checks, 1).
extern "C" __global__ void __launch_bounds__(256)
validate(const Check* __restrict__ checks, u32* flags) {
    __shared__ Check c;
    if (threadIdx.x == 0) {
        c = checks[blockIdx.y];
    }
    __syncthreads();
    bool bad = false;
    const i64 step = (i64)gridDim.x * blockDim.x;
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < c.n; i += step) {
        const i64 off = (i / c.width) * c.row_stride + i % c.width;
        if (c.kind == ROTOR_CHECK_LOGIT || c.kind == ROTOR_CHECK_LSE) {
            const u32 u = reinterpret_cast<const u32*>(c.ptr)[off];
            bad |= u == 0x7f800000u || (c.kind == ROTOR_CHECK_LOGIT && (u & 0x7fffffffu) > 0x7f800000u);
        } else {
            const i32 x = reinterpret_cast<const i32*>(c.ptr)[off];
            if ((i64)x < c.lo || (i64)x > c.hi) {
                bad = true;
            } else if (c.kind == ROTOR_CHECK_UNIQUE) {
                bad |= seen_before(reinterpret_cast<i32*>(c.table), (u32)c.mask, x);
            }
        }
    }
    if (__syncthreads_or(bad) && threadIdx.x == 0) {
        *(volatile u32*)&flags[blockIdx.y] = 1u;
    }
}

// fma_peak: every thread runs 8 independent chains of iters*16 dependent
// FMAs (x = x*m + a) and writes their sum to out[thread], so nothing is
// optimised away. Flops per launch: threads * iters * 16 * 8 * 2. With
// m = 1 - 2^-12 and a small the chains stay finite and normal.
//
// Launch: block (256, 1, 1); grid (gx, 1, 1); out holds gx*256 floats.
extern "C" __global__ void __launch_bounds__(256)
fma_peak(float* out, i32 iters, float m, float a) {
    const i64 t = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    float x0 = (float)threadIdx.x * 1e-3f, x1 = x0 + 1.0f, x2 = x0 + 2.0f, x3 = x0 + 3.0f;
    float x4 = x0 + 4.0f, x5 = x0 + 5.0f, x6 = x0 + 6.0f, x7 = x0 + 7.0f;
    for (i32 i = 0; i < iters; i++) {
#pragma unroll
        for (int j = 0; j < 16; j++) {
            x0 = fmaf(x0, m, a);
            x1 = fmaf(x1, m, a);
            x2 = fmaf(x2, m, a);
            x3 = fmaf(x3, m, a);
            x4 = fmaf(x4, m, a);
            x5 = fmaf(x5, m, a);
            x6 = fmaf(x6, m, a);
            x7 = fmaf(x7, m, a);
        }
    }
    out[t] = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
}
