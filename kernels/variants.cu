// variants.cu: the operations of the GAN variants (FDivLoss of
// model.LossOps, model.LayoutOps' one-hot codes and column copies,
// model.RegularisationOps' maxout, model.AveragingOps; internal/cpu's
// loss.go, layout.go, regularize.go and average.go are the references):
//
//   fdiv_partial:    one term h of the f-GAN objective (Nowozin et al. 2016)
//                    over the logits x, h = T or F of model.FDivergence's
//                    table, with its gradient:
//                      loss[0] = scale * Σ_i h(x_i);  dx_i = scale * h'(x_i)
//                    h and h' in double precision (the exponentials continue
//                    along their tangent past model.ExpCap = 40, as expc),
//                    summed per thread in double, then as loss.cu's fixed-order
//                    two-pass reduction in float (each thread's sum
//                    scaled in double first). div codes: 1 kl,
//                    2 reverse-kl, 3 pearson, 4 squared-hellinger, 5 js,
//                    6 gan; term 0 T (activation), 1 F (conjugate).
//   one_hot:         dst[r*width + col + c] = (c == labels[r]) ? 1 : 0,
//                    c < classes; a label that is not an integer in
//                    [0, classes) writes NaN into its row's columns and raises
//                    GT_ERR_ONEHOT_LABEL, which Sync reports.
//   copy_cols:       dst[r*dw + dc + c] = src[r*sw + sc + c],  c < n
//   maxout_forward:  y[i] = max_p x[i*pieces + p]
//   maxout_backward: dx[i*pieces + p] = (p == first argmax) ? dy[i] : 0
//   average_f32:     d = min(decay, (1+t)/(10+t)) in double, rounded to
//                    float, t read from the counter tc;
//                    avg[i] += (1-d) * (p[i] - avg[i])     (in float)
//
// Dropout is in rng.cu beside the Philox generator whose draws it uses.
//
// Variants: 1 (this file), grid-stride loops, one thread per output
// element (per row group for maxout).
//
// Build: nvcc --ptx -arch=compute_70 -o kernels/variants.ptx kernels/variants.cu
// (see kernels/kernels.mk).

#include "common.cuh"

#define GT_EXP_CAP 40.0

// softplus(a) = log(1+exp(a)) without overflow.
__device__ __forceinline__ double gt_softplus(double a)
{
    return fmax(a, 0.0) + log1p(exp(-fabs(a)));
}

__device__ __forceinline__ double gt_sigmoid64(double a)
{
    if (a >= 0.0) {
        return 1.0 / (1.0 + exp(-a));
    }
    double e = exp(a);
    return e / (1.0 + e);
}

// expc(a) and expc'(a): exp up to GT_EXP_CAP, its tangent line beyond.
__device__ __forceinline__ void gt_expc(double a, double *val, double *slope)
{
    if (a <= GT_EXP_CAP) {
        double e = exp(a);
        *val = e;
        *slope = e;
        return;
    }
    double e = exp(GT_EXP_CAP);
    *val = e * (1.0 + a - GT_EXP_CAP);
    *slope = e;
}

// fdiv_term sets h(v) and h'(v) for divergence div and term (0 T, 1 F).
__device__ __forceinline__ void fdiv_term(int div, int term, double v, double *h, double *dh)
{
    const double ln2 = 0.6931471805599453;
    double e, de;
    bool act = term == 0;
    switch (div) {
    case 1: // kl
        if (act) {
            *h = v;
            *dh = 1.0;
        } else {
            gt_expc(v - 1.0, h, dh);
        }
        return;
    case 2: // reverse-kl
        if (act) {
            gt_expc(-v, &e, &de);
            *h = -e;
            *dh = de;
        } else {
            *h = v - 1.0;
            *dh = 1.0;
        }
        return;
    case 3: // pearson
        if (act) {
            *h = v;
            *dh = 1.0;
        } else {
            *h = v * v / 4.0 + v;
            *dh = v / 2.0 + 1.0;
        }
        return;
    case 4: // squared-hellinger
        if (act) {
            if (-v <= GT_EXP_CAP) {
                *h = -expm1(-v);
                *dh = exp(-v);
            } else {
                gt_expc(-v, &e, &de);
                *h = 1.0 - e;
                *dh = de;
            }
        } else {
            if (v <= GT_EXP_CAP) {
                *h = expm1(v);
                *dh = exp(v);
            } else {
                gt_expc(v, &e, &de);
                *h = e - 1.0;
                *dh = de;
            }
        }
        return;
    case 5: // js
        if (act) {
            *h = ln2 - gt_softplus(-v);
            *dh = gt_sigmoid64(-v);
        } else {
            *h = gt_softplus(v) - ln2;
            *dh = gt_sigmoid64(v);
        }
        return;
    default: // 6, gan
        if (act) {
            *h = -gt_softplus(-v);
            *dh = gt_sigmoid64(-v);
        } else {
            *h = gt_softplus(v);
            *dh = gt_sigmoid64(v);
        }
        return;
    }
}

// Thread t of block k handles i = k*blockDim + t, then strides by the grid;
// each block writes the sum of its threads' scaled sums: one block to the
// loss itself, more to partials that reduce_final (loss.cu) adds with
// scale 1.
extern "C" __global__ void fdiv_partial(float *dx, float *partial, const float *x, int n, int div, int term,
                                        float scale)
{
    double s = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        double h, dh;
        fdiv_term(div, term, (double)x[i], &h, &dh);
        s += h;
        if (dx) {
            dx[i] = (float)((double)scale * dh);
        }
    }
    // Scaled in double before the rounding to float, so that a sum beyond
    // float's range whose scaled value fits stays finite, as on the cpu.
    float tot = gt_block_sum((float)((double)scale * s));
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = tot;
    }
}

extern "C" __global__ void one_hot(float *dst, const float *labels, int rows, int width, int col, int classes,
                                   unsigned int *err)
{
    long long total = (long long)rows * classes;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        int r = (int)(e / classes), c = (int)(e % classes);
        float f = labels[r];
        int k = (int)f;
        float v;
        if (f >= 0.0f && k < classes && (float)k == f) {
            v = c == k ? 1.0f : 0.0f;
        } else {
            v = __int_as_float(0x7fc00000);
            if (c == 0) {
                gt_flag(err, GT_ERR_ONEHOT_LABEL);
            }
        }
        dst[(size_t)r * width + col + c] = v;
    }
}

extern "C" __global__ void copy_cols(float *dst, const float *src, int rows, int dstWidth, int dstCol, int srcWidth,
                                     int srcCol, int n)
{
    long long total = (long long)rows * n;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        int r = (int)(e / n), c = (int)(e % n);
        dst[(size_t)r * dstWidth + dstCol + c] = src[(size_t)r * srcWidth + srcCol + c];
    }
}

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

extern "C" __global__ void average_f32(float *avg, const float *p, int n, float decay, const float *tc)
{
    double t = (double)gt_counter(tc);
    float d = (float)fmin((double)decay, (1.0 + t) / (10.0 + t));
    float f = 1.0f - d;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        avg[i] = __fadd_rn(avg[i], __fmul_rn(f, __fsub_rn(p[i], avg[i])));
    }
}
