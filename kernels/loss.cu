// loss.cu: losses fused with their gradients, and the reductions metrics need
// (model.LossOps; internal/cpu/loss.go is the reference).
//
// LogitBCE (logit_bce_partial, matches cpu Backend.LogitBCE): binary
// cross-entropy of logits x against a constant target y, stable for any x:
//   l_i     = max(x_i, 0) - x_i*y + log1p(exp(-|x_i|))
//   loss[0] = scale * Σ_i l_i
//   dx_i    = scale * (sigmoid(x_i) - y)          (dx may be null)
// MeanSigmoid (reduce_map_partial op 0, cpu Backend.MeanSigmoid):
//   out[0] = (1/n) Σ_i sigmoid(x_i)
// SumSquares  (reduce_map_partial op 1, cpu Backend.SumSquares):
//   out[0] = Σ_i x_i²
// SoftmaxXent (softmax_xent_partial, cpu Backend.SoftmaxXent), x and dx
// (batch, classes), labels (batch) holding class numbers as float32:
//   p_r = softmax(x_r);  loss[0] = scale * Σ_r -log p_r[label_r]
//   dx_r = scale * (p_r - onehot(label_r))        (dx may be null)
// A label that is not a class number in [0, classes) makes the loss NaN and
// its dx row NaN, and raises GT_ERR_SOFTMAX_LABEL in the error flag err.
// FDivLoss (fdiv_partial, cpu Backend.FDivLoss): one term h of the f-GAN
// objective (Nowozin et al. 2016) over the logits x, h = T or F of
// model.FDivergence's table, with its gradient:
//   loss[0] = scale * Σ_i h(x_i);  dx_i = scale * h'(x_i)   (dx may be null)
// h and h' in double precision (the exponentials continue along their
// tangent past model.ExpCap = 40, as expc), summed per thread in double,
// then the fixed-order two-pass reduction below in float (each thread's sum
// scaled in double first). div codes: 1 kl, 2 reverse-kl, 3 pearson,
// 4 squared-hellinger, 5 js, 6 gan; term 0 T (activation), 1 F (conjugate).
// reduce_final: out[0] = scale * Σ_k partial[k], the second pass of all.
//
// Determinism: every reduction has a fixed order. Pass 1 (the *_partial
// kernels, a grid of blocks of a power-of-two size) has each thread sum a
// fixed strided subset, then a shared-memory tree per block
// (gt_block_sum), and writes one partial per block; when the grid is one
// block it writes the scaled result directly. Pass 2 (reduce_final, one
// block) sums the partials the same way and applies the scale. Results are
// bit-identical from run to run and independent of timing.
//
// Variants: 1 (this file) as described; the Go backend uses one launch when
// n is small enough for one block and two otherwise.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/loss.fatbin.

#include "common.cuh"

// stable_bce is l = max(x,0) - x*y + log1p(exp(-|x|)) (common.cuh).
__device__ __forceinline__ float stable_bce(float x, float y)
{
    return fmaxf(x, 0.0f) - x * y + gt_log1p_exp_neg(x);
}

// Thread t of block k handles i = k*blockDim + t, then strides by the grid.
extern "C" __global__ void logit_bce_partial(float *dx, float *partial, const float *x, int n,
                                             float target, float scale)
{
    float s = 0.0f;
    GT_GRID_STRIDE_LOOP(int, i, n) {
        float v = x[i];
        s += stable_bce(v, target);
        if (dx) {
            dx[i] = scale * (gt_sigmoid(v) - target);
        }
    }
    float tot = gt_block_sum(s);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = gridDim.x == 1 ? scale * tot : tot;
    }
}

// op 0: sigmoid(x_i) (MeanSigmoid, with scale 1/n); op 1: x_i² (SumSquares).
extern "C" __global__ void reduce_map_partial(float *partial, const float *x, int n, int op, float scale)
{
    float s = 0.0f;
    GT_GRID_STRIDE_LOOP(int, i, n) {
        float v = x[i];
        s += op == 0 ? gt_sigmoid(v) : v * v;
    }
    float tot = gt_block_sum(s);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = gridDim.x == 1 ? scale * tot : tot;
    }
}

// One thread per row: classes is small (10 for MNIST labels).
extern "C" __global__ void softmax_xent_partial(float *dx, float *partial, const float *x, const float *labels,
                                                int batch, int classes, float scale,
                                                unsigned int *err)
{
    float s = 0.0f;
    GT_GRID_STRIDE_LOOP(int, r, batch) {
        const float *xr = x + (size_t)r * classes;
        float lf = labels[r];
        int label = (int)lf;
        bool ok = lf >= 0.0f && lf < (float)classes && (float)label == lf;
        if (!ok) {
            gt_flag(err, GT_ERR_SOFTMAX_LABEL);
        }
        float mx = xr[0];
        for (int c = 1; c < classes; c++) {
            mx = fmaxf(mx, xr[c]);
        }
        float z = 0.0f;
        for (int c = 0; c < classes; c++) {
            z += expf(xr[c] - mx);
        }
        float logz = logf(z);
        s += ok ? (logz - (xr[label] - mx)) : __int_as_float(0x7fc00000);
        if (dx) {
            float *dr = dx + (size_t)r * classes;
            for (int c = 0; c < classes; c++) {
                float p = expf(xr[c] - mx) / z;
                dr[c] = ok ? scale * (p - (c == label ? 1.0f : 0.0f)) : __int_as_float(0x7fc00000);
            }
        }
    }
    float tot = gt_block_sum(s);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = gridDim.x == 1 ? scale * tot : tot;
    }
}

// reduce_final runs as one block: out[0] = scale * Σ_k partial[k], k < m.
extern "C" __global__ void reduce_final(float *out, const float *partial, int m, float scale)
{
    float s = 0.0f;
    for (int k = threadIdx.x; k < m; k += blockDim.x) {
        s += partial[k];
    }
    float tot = gt_block_sum(s);
    if (threadIdx.x == 0) {
        out[0] = scale * tot;
    }
}

#define GT_EXP_CAP 40.0

// softplus(a) = log(1+exp(a)) without overflow.
__device__ __forceinline__ double gt_softplus(double a)
{
    return fmax(a, 0.0) + gt_log1p_exp_neg(a);
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
// loss itself, more to partials that reduce_final adds with scale 1.
extern "C" __global__ void fdiv_partial(float *dx, float *partial, const float *x, int n, int div, int term,
                                        float scale)
{
    double s = 0.0;
    GT_GRID_STRIDE_LOOP(int, i, n) {
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
