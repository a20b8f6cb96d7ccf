// common.cuh: helpers shared by the gan-train kernel files (included, never
// compiled alone). Activations use the codes of model.Activation:
// 0 identity, 1 relu, 2 leaky relu (slope model.LeakySlope = 0.2),
// 3 sigmoid, 4 tanh.
#pragma once

#define GT_LEAKY_SLOPE 0.2f

// GT_DYNAMIC_SHARED(T, name) declares the block's dynamic shared memory
// (the launch's shmem bytes) as an array of T. The emulated device
// (internal/cudaemu/cuda_emu.h) defines it its own way.
#ifndef GT_DYNAMIC_SHARED
#define GT_DYNAMIC_SHARED(T, name) extern __shared__ T name[]
#endif

// GT_GRID_STRIDE_LOOP(I, i, n) { body } runs body for every index i in
// [0, n) the calling thread takes in a grid-stride loop: thread t of block k
// starts at i = k*blockDim.x + t and strides by the whole grid,
// gridDim.x*blockDim.x, so that any grid covers any n. I is the index type:
// int, or long long where n may pass 2^31 (index and stride are then
// computed in 64 bits). A loop head, not a function taking the body as a
// lambda: the body stays in the kernel, so continue works and each kernel
// compiles to the code of the loop written out (nvcc optimises a lambda
// body on its own before inlining it, which reschedules the larger ones).
#define GT_GRID_STRIDE_LOOP(I, i, n)                                                                              \
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (n); i += (I)gridDim.x * blockDim.x)

// gt_act applies activation act to z.
__device__ __forceinline__ float gt_act(float z, int act)
{
    switch (act) {
    case 1:
        return z > 0.0f ? z : 0.0f;
    case 2:
        return z > 0.0f ? z : GT_LEAKY_SLOPE * z;
    case 3:
        return 1.0f / (1.0f + expf(-z));
    case 4:
        return tanhf(z);
    default:
        return z;
    }
}

// gt_dact is the derivative of activation act expressed through its output
// y = act(z): relu 1[y>0], leaky 1 or 0.2, sigmoid y(1-y), tanh 1-y².
__device__ __forceinline__ float gt_dact(float y, int act)
{
    switch (act) {
    case 1:
        return y > 0.0f ? 1.0f : 0.0f;
    case 2:
        return y > 0.0f ? 1.0f : GT_LEAKY_SLOPE;
    case 3:
        return y * (1.0f - y);
    case 4:
        return 1.0f - y * y;
    default:
        return 1.0f;
    }
}

// gt_sigmoid is the logistic function, evaluated without overflow for any x.
__device__ __forceinline__ float gt_sigmoid(float x)
{
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    }
    float e = expf(x);
    return e / (1.0f + e);
}

// gt_log1p_exp_neg is log1p(exp(-|x|)), the bounded tail of softplus and of
// the stable binary cross-entropy: softplus(x) = max(x, 0) + log1p(exp(-|x|))
// never overflows. One expression for loss.cu's stable_bce (float) and its
// f-GAN terms (double), so both compute the same bits as before.
__device__ __forceinline__ float gt_log1p_exp_neg(float x)
{
    return log1pf(expf(-fabsf(x)));
}

__device__ __forceinline__ double gt_log1p_exp_neg(double x)
{
    return log1p(exp(-fabs(x)));
}

// Device-side input errors. Kernels that can detect bad input (a step count
// of 0, a label or row number out of range) OR one of these bits into a
// 32-bit flag in device memory that the Go backend reads and clears at Sync,
// turning it into an error; the computation itself leaves the affected
// outputs unchanged (Adam) or NaN (the others).
#define GT_ERR_ADAM_STEP0 1u
#define GT_ERR_GATHER_RANGE 2u
#define GT_ERR_SOFTMAX_LABEL 4u
#define GT_ERR_ONEHOT_LABEL 8u
#define GT_ERR_GATHER_BYTES_RANGE 16u

__device__ __forceinline__ void gt_flag(unsigned int *err, unsigned int code)
{
    if (err) {
        atomicOr(err, code);
    }
}

// Counters are 1-element float buffers holding the bits of a uint32.
__device__ __forceinline__ unsigned int gt_counter(const float *c)
{
    return __float_as_uint(c[0]);
}

// gt_block_sum returns, in thread 0, the sum of v over the block, reduced in
// a fixed order (a shared-memory tree over blockDim.x, a power of two no
// larger than 1024), so that repeated runs give bit-identical results.
__device__ __forceinline__ float gt_block_sum(float v)
{
    __shared__ float s[1024];
    unsigned int t = threadIdx.x;
    s[t] = v;
    __syncthreads();
    for (unsigned int h = blockDim.x / 2; h > 0; h >>= 1) {
        if (t < h) {
            s[t] += s[t + h];
        }
        __syncthreads();
    }
    float r = s[0];
    __syncthreads();
    return r;
}
