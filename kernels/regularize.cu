// regularize.cu: maxout and dropout (model.RegularisationOps;
// internal/cpu/regularize.go is the reference):
//
//   maxout_forward:  y[i] = max_p x[i*pieces + p]            i < count,
//                    count = rows*units groups of pieces adjacent values
//   maxout_backward: dx[i*pieces + p] = (p == first argmax) ? dy[i] : 0
//   rng_dropout:     dst_i = (u_i >= rate) ? src_i * float(1/(1-rate)) : 0,
//                    u_i the Uniform01 draw of index i of rng.cu's rng_noise
//                    (the Philox4x32-10 generator of philox.cuh, step read
//                    from the counter sc), bit-identical to package rng.
//
// Variants: 1 (this file), grid-stride loops, one thread per row group for
// maxout and per Philox block of four outputs for dropout.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/regularize.fatbin.

#include "common.cuh"
#include "philox.cuh"

// count = rows*units groups of pieces adjacent values.
extern "C" __global__ void maxout_forward(float *y, const float *x, int count, int pieces)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
        const float *g = x + (size_t)i * pieces;
        float m = g[0];
        for (int p = 1; p < pieces; p++) {
            if (g[p] > m) {
                m = g[p];
            }
        }
        y[i] = m;
    }
}

extern "C" __global__ void maxout_backward(float *dx, const float *dy, const float *x, int count, int pieces)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
        const float *g = x + (size_t)i * pieces;
        int best = 0;
        for (int p = 1; p < pieces; p++) {
            if (g[p] > g[best]) {
                best = p;
            }
        }
        float *out = dx + (size_t)i * pieces;
        for (int p = 0; p < pieces; p++) {
            out[p] = p == best ? dy[i] : 0.0f;
        }
    }
}

// rng_dropout: inverted dropout with the Uniform01 draws of rng_noise,
//   dst_i = (u_i >= rate) ? src_i * keep : 0,   keep = float(1/(1-rate)) in double
// (cpu Backend.Dropout); dst may be src.
extern "C" __global__ void rng_dropout(float *dst, const float *src, int n, float rate, unsigned long long seed,
                                       unsigned int stream, const float *sc)
{
    float keep = (float)(1.0 / (1.0 - (double)rate));
    gt_each_uniform(n, gt_counter(sc), stream, seed,
                    [=](int i, float u) { dst[i] = u >= rate ? __fmul_rn(src[i], keep) : 0.0f; });
}
