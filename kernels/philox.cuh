// philox.cuh: the Philox4x32-10 generator (Salmon et al., SC 2011) of
// package rng (internal/rng/philox.go, whose package doc is the
// specification), shared by rng.cu's noise and binarization and
// regularize.cu's dropout (included, never compiled alone):
//
//   key     = (uint32(seed), uint32(seed>>32))
//   counter = (uint32(index/4), step, stream, 0)
//   x       = Philox4x32-10(counter, key)[index%4]
//   Uniform01: u = float(x>>8) * 2^-24                            in [0,1)
#pragma once

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

// gt_uniform4 sets u to the Uniform01 draws of indices 4j..4j+3 of the
// stream (seed, stream, step): one Philox block.
__device__ __forceinline__ void gt_uniform4(float u[4], int j, unsigned int step, unsigned int stream,
                                            unsigned long long seed)
{
    uint4 x = philox4x32_10(make_uint4((unsigned int)j, step, stream, 0u), (unsigned int)seed,
                            (unsigned int)(seed >> 32));
    u[0] = to_uniform01(x.x);
    u[1] = to_uniform01(x.y);
    u[2] = to_uniform01(x.z);
    u[3] = to_uniform01(x.w);
}

// gt_each_uniform calls f(i, u) for every i < n, with u the Uniform01 draw
// of index i of the stream (seed, stream, step): a grid-stride loop over
// Philox blocks of four draws (gt_uniform4), so that each thread computes
// each of its blocks once.
template <typename F>
__device__ __forceinline__ void gt_each_uniform(int n, unsigned int step, unsigned int stream, unsigned long long seed,
                                                F f)
{
    int blocks = (n + 3) / 4;
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < blocks; j += gridDim.x * blockDim.x) {
        float u[4];
        gt_uniform4(u, j, step, stream, seed);
#pragma unroll
        for (int l = 0; l < 4; l++) {
            int i = 4 * j + l;
            if (i < n) {
                f(i, u[l]);
            }
        }
    }
}
