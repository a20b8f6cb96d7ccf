// average.cu: the moving average of the generator's weights
// (model.AveragingOps; internal/cpu/average.go is the reference):
//
//   average_f32: d = min(decay, (1+t)/(10+t)) in double, rounded to
//                float, t read from the counter tc;
//                avg[i] += (1-d) * (p[i] - avg[i])     (in float, each
//                operation rounded on its own)         i < n
//
// Variants: 1 (this file), a grid-stride loop, one thread per element.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/average.fatbin.

#include "common.cuh"

extern "C" __global__ void average_f32(float *avg, const float *p, int n, float decay, const float *tc)
{
    double t = (double)gt_counter(tc);
    float d = (float)fmin((double)decay, (1.0 + t) / (10.0 + t));
    float f = 1.0f - d;
    GT_GRID_STRIDE_LOOP(int, i, n) {
        avg[i] = __fadd_rn(avg[i], __fmul_rn(f, __fsub_rn(p[i], avg[i])));
    }
}
