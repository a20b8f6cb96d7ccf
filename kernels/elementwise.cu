// elementwise.cu: element-wise updates (model.ElementwiseOps;
// internal/cpu/elementwise.go is the reference):
//
//   fill_f32:       x[i] = v                            i < n
//   affine_f32:     x[i] = a*x[i] + c                   i < n
//   accumulate_f32: dst[i] += src[i]                    i < n (rounded as
//                   one float add, __fadd_rn, as on the cpu)
//
// Variants: 1 (this file), grid-stride loops, one thread per element.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/elementwise.fatbin.

#include "common.cuh"

extern "C" __global__ void fill_f32(float *x, int n, float v)
{
    GT_GRID_STRIDE_LOOP(int, i, n) {
        x[i] = v;
    }
}

extern "C" __global__ void affine_f32(float *x, int n, float a, float c)
{
    GT_GRID_STRIDE_LOOP(int, i, n) {
        x[i] = a * x[i] + c;
    }
}

extern "C" __global__ void accumulate_f32(float *dst, const float *src, int n)
{
    GT_GRID_STRIDE_LOOP(int, i, n) {
        dst[i] = __fadd_rn(dst[i], src[i]);
    }
}
