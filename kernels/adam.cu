// adam.cu: Adam (Kingma and Ba 2015, Algorithm 1) over one contiguous
// parameter buffer in a single launch (model.OptimiserOps;
// internal/cpu/adam.go is the reference).
//
// adam_step, for every i < n, with the step count t read from the counter tc
// (a 1-element buffer holding uint32 bits, so a captured CUDA graph sees
// each step's value):
//   m_i = b1*m_i + (1-b1)*g_i
//   v_i = b2*v_i + (1-b2)*g_i²
//   p_i -= lr * (m_i/(1-b1^t)) / (sqrt(v_i/(1-b2^t)) + eps)
// A step count of 0 (the counter was never set) leaves everything unchanged
// and raises GT_ERR_ADAM_STEP0 in the error flag err.
// The bias corrections 1-b^t are computed in double precision: in float,
// 1 - 0.999^t loses about 4 digits at small t.
//
// Variants: 1 (this file), one thread per element, grid-stride loop.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/adam.fatbin.

#include "common.cuh"

extern "C" __global__ void adam_step(float *p, const float *g, float *m, float *v, int n, float lr,
                                     float b1, float b2, float eps, const float *tc,
                                     unsigned int *err)
{
    unsigned int t0 = gt_counter(tc);
    if (t0 == 0u) {
        if (blockIdx.x == 0 && threadIdx.x == 0) {
            gt_flag(err, GT_ERR_ADAM_STEP0);
        }
        return;
    }
    double t = (double)t0;
    float bc1 = (float)(1.0 - pow((double)b1, t));
    float bc2 = (float)(1.0 - pow((double)b2, t));
    GT_GRID_STRIDE_LOOP(int, i, n) {
        float gi = g[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}
