// memory.cu: device-side copies and the counters captured sequences read
// (model.MemoryOps' Copy, SetCounter and IncCounter; internal/cpu/memory.go
// is the reference):
//
//   copy_f32:    dst[i] = src[i]                     i < n
//   counter_set: bits(c[0]) = v
//   counter_inc: bits(c[0]) += 1
//
// Counters are 1-element float buffers holding uint32 bits (model.Backend):
// counter_set writes v's bits, counter_inc adds one to them, each in one
// thread.
//
// Variants: 1 (this file); copy_f32 is a grid-stride loop, one thread per
// element.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/memory.fatbin.

#include "common.cuh"

extern "C" __global__ void copy_f32(float *dst, const float *src, int n)
{
    GT_GRID_STRIDE_LOOP(int, i, n) {
        dst[i] = src[i];
    }
}

extern "C" __global__ void counter_set(float *c, unsigned int v)
{
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        c[0] = __uint_as_float(v);
    }
}

extern "C" __global__ void counter_inc(float *c)
{
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        c[0] = __uint_as_float(__float_as_uint(c[0]) + 1u);
    }
}
