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
