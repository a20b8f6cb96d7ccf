// loss.cu: losses fused with their gradients, and the reductions metrics need.
//
// LogitBCE (matches cpu Backend.LogitBCE, model/backend.go): binary
// cross-entropy of logits x against a constant target y, stable for any x:
//   l_i     = max(x_i, 0) - x_i*y + log1p(exp(-|x_i|))
//   loss[0] = scale * Σ_i l_i
//   dx_i    = scale * (sigmoid(x_i) - y)          (dx may be null)
// MeanSigmoid (cpu Backend.MeanSigmoid):  out[0] = (1/n) Σ_i sigmoid(x_i)
// SumSquares  (cpu Backend.SumSquares):   out[0] = Σ_i x_i²
// SoftmaxXent (cpu Backend.SoftmaxXent), x and dx (batch, classes), labels
// (batch) holding class numbers as float32:
//   p_r = softmax(x_r);  loss[0] = scale * Σ_r -log p_r[label_r]
//   dx_r = scale * (p_r - onehot(label_r))        (dx may be null)
// A label that is not a class number in [0, classes) makes the loss NaN and
// its dx row NaN, and raises GT_ERR_SOFTMAX_LABEL in the error flag err.
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
// Build: nvcc --ptx -arch=compute_70 -o kernels/loss.ptx kernels/loss.cu
// (see kernels/kernels.mk).

#include "common.cuh"

// stable_bce is l = max(x,0) - x*y + log1p(exp(-|x|)).
__device__ __forceinline__ float stable_bce(float x, float y)
{
    return fmaxf(x, 0.0f) - x * y + log1pf(expf(-fabsf(x)));
}

// Thread t of block k handles i = k*blockDim + t, then strides by the grid.
extern "C" __global__ void logit_bce_partial(float *dx, float *partial, const float *x, int n,
                                             float target, float scale)
{
    float s = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
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
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
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
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < batch; r += gridDim.x * blockDim.x) {
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
