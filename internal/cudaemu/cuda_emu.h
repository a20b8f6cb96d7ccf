// cuda_emu.h: the CUDA built-ins that kernels/*.cu use, mapped onto the
// emulated device's host runtime (runtime.cpp), so that the same kernel
// sources compile with g++ as ordinary C++.
//
// Every CUDA thread is a fiber with its own stack; the fibers of one block
// run interleaved on one host thread and switch only at barriers, so
// __syncthreads, __syncwarp, the warp shuffles and votes, and a cooperative
// grid's sync mean what they mean on a GPU. threadIdx and its kin read the
// running fiber's state. __shared__ variables are thread_local: every fiber
// of a block runs on the same host thread and blocks on one host thread run
// one after another, so each block sees one copy, as on a GPU.
//
// Floating point: the kernel files are compiled without FMA contraction
// (the pragma below), so a*b+c is two roundings here; nvcc contracts it
// into one FMA by default.
// The __f*_rn and __d*_rn intrinsics are exact IEEE operations on both.
// expf, logf, tanhf, exp, log and the rest come from the host C library,
// which rounds differently from CUDA's math library (within 2 ulp for the
// single-precision functions; see the CUDA C Programming Guide, appendix
// "Mathematical Functions").
#pragma once

// No FMA contraction anywhere in the emulated device: GCC's C++ default is
// -ffp-contract=fast, which on an FMA-capable -march would fuse a*b+c even
// in __fadd_rn(__fmul_rn(a, b), c). cgo refuses -ffp-contract on its command
// line, so the pragma says it for every function compiled after it.
#pragma GCC optimize("fp-contract=off")

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gt_emu {

struct uint3_t {
    unsigned int x, y, z;
};

// The state a kernel reads through the built-in variables, one per fiber.
struct ThreadVars {
    uint3_t threadIdx;
    uint3_t blockIdx;
    uint3_t blockDim;
    uint3_t gridDim;
};

// cur is the running fiber's variables (set by the scheduler at every
// switch); vars reads it as an atomic, so that ThreadSanitizer builds see
// the scheduler's write and the kernel's reads as ordered.
extern __thread const ThreadVars *cur;
inline const ThreadVars *vars() { return __atomic_load_n(&cur, __ATOMIC_RELAXED); }

void syncthreads();
int syncthreads_count(int pred);
void syncwarp();
unsigned long long shfl(unsigned long long v, int lane, int width, int mode);
unsigned int ballot(int pred);
void grid_sync();
void *dynamic_shared();

enum { shflIdx, shflUp, shflDown, shflXor };

template <class T> inline T shfl_as(T v, int lane, int width, int mode)
{
    static_assert(sizeof(T) <= 8, "shuffle of a value wider than 8 bytes");
    unsigned long long bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    bits = shfl(bits, lane, width, mode);
    T out;
    std::memcpy(&out, &bits, sizeof(T));
    return out;
}

template <class To, class From> inline To bits_as(From v)
{
    static_assert(sizeof(To) == sizeof(From), "bit cast between sizes");
    To out;
    std::memcpy(&out, &v, sizeof(To));
    return out;
}

} // namespace gt_emu

// The rest is for kernel sources only: the runtime (GT_EMU_RUNTIME) names
// the same fields without the macros.
#ifndef GT_EMU_RUNTIME

// Qualifiers.
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static thread_local
#define __constant__ static const

// Dynamic shared memory: kernels declare it with GT_DYNAMIC_SHARED(float,
// name), which is extern __shared__ float name[] under nvcc (common.cuh)
// and here the running block's buffer of the launch's shmem bytes.
#define GT_DYNAMIC_SHARED(T, name) T *name = static_cast<T *>(gt_emu::dynamic_shared())

// Built-in variables.
#define threadIdx (gt_emu::vars()->threadIdx)
#define blockIdx (gt_emu::vars()->blockIdx)
#define blockDim (gt_emu::vars()->blockDim)
#define gridDim (gt_emu::vars()->gridDim)
#define warpSize 32

// Vector types.
struct uint4 {
    unsigned int x, y, z, w;
};
struct float4 {
    float x, y, z, w;
};
struct float2 {
    float x, y;
};
struct int2 {
    int x, y;
};
inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w) { return uint4{x, y, z, w}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline float2 make_float2(float x, float y) { return float2{x, y}; }

// Barriers, warp exchange and votes.
inline void __syncthreads() { gt_emu::syncthreads(); }
inline int __syncthreads_count(int p) { return gt_emu::syncthreads_count(p); }
inline int __syncthreads_or(int p) { return gt_emu::syncthreads_count(p) != 0; }
inline int __syncthreads_and(int p) { return gt_emu::syncthreads_count(!p) == 0; }
inline void __syncwarp(unsigned int = 0xffffffffu) { gt_emu::syncwarp(); }
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
template <class T> inline T __shfl_sync(unsigned int, T v, int src, int width = 32)
{
    return gt_emu::shfl_as(v, src, width, gt_emu::shflIdx);
}
template <class T> inline T __shfl_up_sync(unsigned int, T v, unsigned int d, int width = 32)
{
    return gt_emu::shfl_as(v, (int)d, width, gt_emu::shflUp);
}
template <class T> inline T __shfl_down_sync(unsigned int, T v, unsigned int d, int width = 32)
{
    return gt_emu::shfl_as(v, (int)d, width, gt_emu::shflDown);
}
template <class T> inline T __shfl_xor_sync(unsigned int, T v, int m, int width = 32)
{
    return gt_emu::shfl_as(v, m, width, gt_emu::shflXor);
}
inline unsigned int __ballot_sync(unsigned int, int p) { return gt_emu::ballot(p); }
inline int __any_sync(unsigned int, int p) { return gt_emu::ballot(p) != 0; }
inline int __all_sync(unsigned int m, int p) { return gt_emu::ballot(!p) == 0; }
inline unsigned int __activemask() { return gt_emu::ballot(1); }

// Cooperative groups, the part a grid-wide barrier needs.
namespace cooperative_groups {
struct grid_group {
    void sync() const { gt_emu::grid_sync(); }
};
struct thread_block {
    void sync() const { gt_emu::syncthreads(); }
};
inline grid_group this_grid() { return grid_group{}; }
inline thread_block this_thread_block() { return thread_block{}; }
} // namespace cooperative_groups

// Atomics: real host atomics, since blocks run on several host threads.
inline unsigned int atomicOr(unsigned int *p, unsigned int v) { return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicAnd(unsigned int *p, unsigned int v) { return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicXor(unsigned int *p, unsigned int v) { return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); }
inline int atomicAdd(int *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicAdd(unsigned int *p, unsigned int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
inline unsigned long long atomicAdd(unsigned long long *p, unsigned long long v)
{
    return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}
inline int atomicSub(int *p, int v) { return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicSub(unsigned int *p, unsigned int v) { return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); }
inline int atomicExch(int *p, int v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicExch(unsigned int *p, unsigned int v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
inline int atomicCAS(int *p, int cmp, int v)
{
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return cmp;
}
inline unsigned int atomicCAS(unsigned int *p, unsigned int cmp, unsigned int v)
{
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return cmp;
}
inline unsigned long long atomicCAS(unsigned long long *p, unsigned long long cmp, unsigned long long v)
{
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return cmp;
}
inline int atomicMax(int *p, int v)
{
    int old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    while (old < v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    return old;
}
inline unsigned int atomicMax(unsigned int *p, unsigned int v)
{
    unsigned int old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    while (old < v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    return old;
}
inline int atomicMin(int *p, int v)
{
    int old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    while (old > v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    return old;
}
// Floating-point adds go through a compare-and-swap of the bits, as the CUDA
// C Programming Guide shows for atomicAdd on double before sm_60.
inline float atomicAdd(float *p, float v)
{
    unsigned int *u = reinterpret_cast<unsigned int *>(p);
    unsigned int old = __atomic_load_n(u, __ATOMIC_SEQ_CST);
    for (;;) {
        unsigned int nw = gt_emu::bits_as<unsigned int>(gt_emu::bits_as<float>(old) + v);
        if (__atomic_compare_exchange_n(u, &old, nw, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            return gt_emu::bits_as<float>(old);
        }
    }
}
inline double atomicAdd(double *p, double v)
{
    unsigned long long *u = reinterpret_cast<unsigned long long *>(p);
    unsigned long long old = __atomic_load_n(u, __ATOMIC_SEQ_CST);
    for (;;) {
        unsigned long long nw = gt_emu::bits_as<unsigned long long>(gt_emu::bits_as<double>(old) + v);
        if (__atomic_compare_exchange_n(u, &old, nw, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            return gt_emu::bits_as<double>(old);
        }
    }
}

// Reinterpretation and integer intrinsics.
inline unsigned int __float_as_uint(float v) { return gt_emu::bits_as<unsigned int>(v); }
inline int __float_as_int(float v) { return gt_emu::bits_as<int>(v); }
inline float __uint_as_float(unsigned int v) { return gt_emu::bits_as<float>(v); }
inline float __int_as_float(int v) { return gt_emu::bits_as<float>(v); }
inline double __longlong_as_double(long long v) { return gt_emu::bits_as<double>(v); }
inline long long __double_as_longlong(double v) { return gt_emu::bits_as<long long>(v); }
inline unsigned int __umulhi(unsigned int a, unsigned int b)
{
    return (unsigned int)(((unsigned long long)a * b) >> 32);
}
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b)
{
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
inline int __popc(unsigned int v) { return __builtin_popcount(v); }
inline int __clz(int v) { return v == 0 ? 32 : __builtin_clz((unsigned int)v); }
inline int __ffs(int v) { return __builtin_ffs(v); }

// Correctly rounded arithmetic (never contracted into an FMA).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fmaf(a, b, c); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }

// Fast-math intrinsics: the host's accurate functions (the GPU's are
// approximations with bounded error; tests that meet them say so).
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }

// CUDA's integer min and max overloads.
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned int min(unsigned int a, unsigned int b) { return a < b ? a : b; }
inline unsigned int max(unsigned int a, unsigned int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }

// Loads through the read-only cache are plain loads.
template <class T> inline T __ldg(const T *p) { return *p; }

#endif // GT_EMU_RUNTIME
