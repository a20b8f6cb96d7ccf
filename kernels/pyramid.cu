// pyramid.cu: the resampling of a Laplacian pyramid (model.PyramidOps;
// internal/cpu/pyramid.go is the reference). Images are the rows of a row-major
// array, each row one h×w image stored row by row.
//
//   downsample2x: 2×2 average pooling, src (rows, h*w) with h and w even to
//                 dst (rows, (h/2)*(w/2)):
//                   dst[r,i,j] = (src[r,2i,2j] + src[r,2i,2j+1]
//                                 + src[r,2i+1,2j] + src[r,2i+1,2j+1]) * 0.25
//                 summed left to right in float.
//   upsample2x:   bilinear, half-pixel-aligned interpolation of each h×w
//                 image of src (rows, h*w) to 2h×2w, combined with dst
//                 (rows, 4*h*w):
//                   dst = alpha*up(src) + beta*dst
//                 With (a, b) the nearer and farther coarse rows of fine
//                 row y and (c, d) the coarse columns of fine column x
//                 (near = f/2; far = near-1 for even f, near+1 for odd f,
//                 clamped to the image):
//                   up[y,x] = 0.5625*src[a,c] + 0.1875*src[a,d]
//                             + 0.1875*src[b,c] + 0.0625*src[b,d]
//                 With beta == 0 dst is only written (a NaN there does not
//                 survive).
//
// Both compute in float with the cpu backend's order of operations, every
// product and sum rounded on its own (__fmul_rn and __fadd_rn keep the
// compiler from contracting them into fused multiply-adds), so the results
// are bit-identical to cpu Backend's.
//
// Variants: 1 (this file), grid-stride loops, one thread per output pixel.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/pyramid.fatbin.

#include "common.cuh"

// image_pixel splits element e of a batch of ho×wo images (one image a
// row, stored row by row) into its image r and its pixel (y, x).
__device__ __forceinline__ void image_pixel(long long e, int ho, int wo, long long *r, int *y, int *x)
{
    const long long plane = (long long)ho * wo;
    *r = e / plane;
    long long rem = e % plane;
    *y = (int)(rem / wo);
    *x = (int)(rem % wo);
}

extern "C" __global__ void downsample2x(float *dst, const float *src, int rows, int h, int w)
{
    const int ho = h / 2, wo = w / 2;
    const long long total = (long long)rows * ho * wo;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        long long r;
        int i, j;
        image_pixel(e, ho, wo, &r, &i, &j);
        const float *top = src + (size_t)r * h * w + (size_t)(2 * i) * w;
        const float *bot = top + w;
        float s = __fadd_rn(__fadd_rn(__fadd_rn(top[2 * j], top[2 * j + 1]), bot[2 * j]), bot[2 * j + 1]);
        dst[e] = __fmul_rn(s, 0.25f);
    }
}

// up_taps sets, for fine index f of an axis whose coarse side is n, the
// nearer coarse index (weight 3/4) and the farther one (weight 1/4),
// clamped to the edge (cpu upTaps).
__device__ __forceinline__ void up_taps(int f, int n, int *near, int *far)
{
    int a = f / 2;
    *near = a;
    *far = (f % 2 == 0) ? max(a - 1, 0) : min(a + 1, n - 1);
}

extern "C" __global__ void upsample2x(float *dst, const float *src, int rows, int h, int w, float alpha,
                                      float beta)
{
    const int ho = 2 * h, wo = 2 * w;
    const long long total = (long long)rows * ho * wo;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        long long r;
        int y, x;
        image_pixel(e, ho, wo, &r, &y, &x);
        int a, b, c, d;
        up_taps(y, h, &a, &b);
        up_taps(x, w, &c, &d);
        const float *img = src + (size_t)r * h * w;
        const float *ra = img + (size_t)a * w, *rb = img + (size_t)b * w;
        float u = __fmul_rn(0.5625f, ra[c]);
        u = __fadd_rn(u, __fmul_rn(0.1875f, ra[d]));
        u = __fadd_rn(u, __fmul_rn(0.1875f, rb[c]));
        u = __fadd_rn(u, __fmul_rn(0.0625f, rb[d]));
        float v = __fmul_rn(alpha, u);
        if (beta != 0.0f) {
            v = __fadd_rn(v, __fmul_rn(beta, dst[e]));
        }
        dst[e] = v;
    }
}
