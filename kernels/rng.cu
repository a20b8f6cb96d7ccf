// rng.cu: counter-based noise, Philox4x32-10 (Salmon et al., SC 2011),
// bit-identical to package rng (internal/rng/philox.go, whose package doc is the
// specification) and so to cpu Backend.Noise and Backend.Binarize.
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
//   Binarize: dst_i = (u_i < src_i) ? 1 : 0, u_i the Uniform01 draw of index i.
//   Dropout:  dst_i = (u_i >= rate) ? src_i * float(1/(1-rate)) : 0.
//
// Counters are 1-element float buffers holding uint32 bits (model.Backend):
// counter_set writes v's bits, counter_inc adds one to them.
//
// Variants: 1 (this file), one thread per Philox block of four outputs.
//
// Build: nvcc --ptx -arch=compute_70 -o kernels/rng.ptx kernels/rng.cu
// (see kernels/kernels.mk).

#include "common.cuh"

__device__ __forceinline__ uint4 philox4x32_10(uint4 c, unsigned int k0, unsigned int k1)
{
#pragma unroll
    for (int r = 0; r < 10; r++) {
        unsigned int hi0 = __umulhi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        unsigned int hi1 = __umulhi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        c = make_uint4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c;
}

__device__ __forceinline__ float to_uniform01(unsigned int x)
{
    return (float)(x >> 8) * (1.0f / 16777216.0f);
}

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
    unsigned int step = gt_counter(sc);
    int blocks = (n + 3) / 4;
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < blocks; j += gridDim.x * blockDim.x) {
        uint4 x = philox4x32_10(make_uint4((unsigned int)j, step, stream, 0u), (unsigned int)seed,
                                (unsigned int)(seed >> 32));
        unsigned int xs[4] = {x.x, x.y, x.z, x.w};
#pragma unroll
        for (int l = 0; l < 4; l++) {
            int i = 4 * j + l;
            if (i < n) {
                dst[i] = to_uniform01(xs[l]) < src[i] ? 1.0f : 0.0f;
            }
        }
    }
}

// rng_dropout: inverted dropout with the Uniform01 draws of rng_noise,
//   dst_i = (u_i >= rate) ? src_i * keep : 0,   keep = float(1/(1-rate)) in double
// (cpu Backend.Dropout); dst may be src.
extern "C" __global__ void rng_dropout(float *dst, const float *src, int n, float rate, unsigned long long seed,
                                       unsigned int stream, const float *sc)
{
    unsigned int step = gt_counter(sc);
    float keep = (float)(1.0 / (1.0 - (double)rate));
    int blocks = (n + 3) / 4;
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < blocks; j += gridDim.x * blockDim.x) {
        uint4 x = philox4x32_10(make_uint4((unsigned int)j, step, stream, 0u), (unsigned int)seed,
                                (unsigned int)(seed >> 32));
        unsigned int xs[4] = {x.x, x.y, x.z, x.w};
#pragma unroll
        for (int l = 0; l < 4; l++) {
            int i = 4 * j + l;
            if (i < n) {
                dst[i] = to_uniform01(xs[l]) >= rate ? __fmul_rn(src[i], keep) : 0.0f;
            }
        }
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
