// rng.cu: counter-based noise, Philox4x32-10 (Salmon et al., SC 2011; the
// generator is in philox.cuh), bit-identical to package rng
// (internal/rng/philox.go, whose package doc is the specification) and so
// to the cpu backend (model.RandomOps; internal/cpu/rng.go is the
// reference):
//
//   key     = (uint32(seed), uint32(seed>>32))
//   counter = (uint32(index/4), step, stream, 0), step read from the counter sc
//   x       = Philox4x32-10(counter, key)[index%4]
//   dist 0 Uniform01:  u = float(x>>8) * 2^-24                    in [0,1)
//   dist 1 UniformPM1: 2u - 1                                     in [-1,1)
//   dist 2 Normal:     Box-Muller on lanes (0,1) and (2,3) of one block, in
//                      double precision: u1 = ((x_even>>8)+1)*2^-24,
//                      u2 = (x_odd>>8)*2^-24, r = sqrt(-2 ln u1),
//                      even lane r*cos(2πu2), odd lane r*sin(2πu2),
//                      rounded to float.
//
//   rng_noise:    dst_i = the draw of index i of distribution dist  i < n
//   rng_binarize: dst_i = (u_i < src_i) ? 1 : 0, u_i the Uniform01 draw of
//                 index i                                           i < n
//
// Dropout (regularize.cu) uses the same Uniform01 draws; the counters that
// hold step are set by memory.cu.
//
// Variants: 1 (this file), one thread per Philox block of four outputs.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/rng.fatbin.

#include "common.cuh"
#include "philox.cuh"

__device__ __forceinline__ void box_muller(unsigned int a, unsigned int b, float *n0, float *n1)
{
    double u1 = (double)((a >> 8) + 1) * (1.0 / 16777216.0);
    double u2 = (double)(b >> 8) * (1.0 / 16777216.0);
    double r = sqrt(-2.0 * log(u1));
    double s, c;
    sincos(2.0 * 3.141592653589793 * u2, &s, &c);
    *n0 = (float)(r * c);
    *n1 = (float)(r * s);
}

// Thread j computes Philox block j and writes indices 4j..4j+3 below n.
extern "C" __global__ void rng_noise(float *dst, int n, int dist, unsigned long long seed, unsigned int stream,
                                     const float *sc)
{
    unsigned int step = gt_counter(sc);
    int blocks = (n + 3) / 4;
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < blocks; j += gridDim.x * blockDim.x) {
        uint4 x = philox4x32_10(make_uint4((unsigned int)j, step, stream, 0u), (unsigned int)seed,
                                (unsigned int)(seed >> 32));
        float o[4];
        if (dist == 2) {
            box_muller(x.x, x.y, &o[0], &o[1]);
            box_muller(x.z, x.w, &o[2], &o[3]);
        } else {
            o[0] = to_uniform01(x.x);
            o[1] = to_uniform01(x.y);
            o[2] = to_uniform01(x.z);
            o[3] = to_uniform01(x.w);
            if (dist == 1) {
#pragma unroll
                for (int l = 0; l < 4; l++) {
                    o[l] = 2.0f * o[l] - 1.0f;
                }
            }
        }
#pragma unroll
        for (int l = 0; l < 4; l++) {
            if (4 * j + l < n) {
                dst[4 * j + l] = o[l];
            }
        }
    }
}

extern "C" __global__ void rng_binarize(float *dst, const float *src, int n, unsigned long long seed,
                                        unsigned int stream, const float *sc)
{
    gt_each_uniform(n, gt_counter(sc), stream, seed, [=](int i, float u) { dst[i] = u < src[i] ? 1.0f : 0.0f; });
}
