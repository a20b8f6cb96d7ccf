// dense.cu: fused dense layer, forward and backward (model.DenseOps;
// internal/cpu/dense.go is the reference).
//
// Forward (matches cpu Backend.DenseForward):
//   y[r][o] = act( Σ_i x[r][i]·w[i][o] + b[o] )
//   x is (batch, in), w is (in, out), b is (out), y is (batch, out), row-major.
//
// Backward (matches cpu Backend.DenseBackward), with the activation's
// derivative taken from its output y (see common.cuh):
//   dz[r][o] = dy[r][o] · act'(y[r][o])
//   dx[r][i] = Σ_o dz[r][o]·w[i][o]        dx = dz·wᵀ, (batch, in)
//   dw[i][o] = Σ_r x[r][i]·dz[r][o]        dw = xᵀ·dz, (in, out)
//   db[o]    = Σ_r dz[r][o]                (out)
// dz is never stored: the GEMMs compute it while loading their tiles. db is
// the extra row "in" of an (in+1, out) product whose A operand is xᵀ with a
// row of ones appended, so the bias gradient costs no launch of its own and
// is summed in a fixed order (deterministic, no atomics).
//
// Activation codes are model.Activation's: 0 identity, 1 relu, 2 leaky relu
// (slope 0.2 = model.LeakySlope), 3 sigmoid, 4 tanh.
//
// Variants (llm.c style; the Go backend launches the highest number, the
// tests compare it with variant 1):
//   1  naive: one thread per output element, k-loop in global memory. The
//      readable device reference. dense_forward1, dense_backward_dx1,
//      dense_backward_dw1.
//   2  tiled shared-memory SGEMM with register blocking: a block computes a
//      BM×BN tile of C = A·B in BK-deep slabs staged through shared memory,
//      each of its 256 threads a TM×TN sub-tile (strided, conflict-free
//      shared reads). Two tile shapes: 64×64 (4×4 per thread) for large
//      problems, 32×32 (2×2 per thread) when 64×64 tiles would leave most
//      SMs idle. Bias and activation are applied in the epilogue. The
//      backward pass is one launch: blockIdx.z = 0 computes dx tiles,
//      blockIdx.z = 1 computes dw and db tiles. dense_forward2_64,
//      dense_forward2_32, dense_backward2_64, dense_backward2_32.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/dense.fatbin.

#include "common.cuh"

// ---------------------------------------------------------------- variant 1

extern "C" __global__ void dense_forward1(float *y, const float *x, const float *w, const float *b,
                                          int batch, int in, int out, int act)
{
    int o = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (o >= out || r >= batch) {
        return;
    }
    float acc = 0.0f;
    for (int i = 0; i < in; i++) {
        acc += x[(size_t)r * in + i] * w[(size_t)i * out + o];
    }
    y[(size_t)r * out + o] = gt_act(acc + b[o], act);
}

extern "C" __global__ void dense_backward_dx1(float *dx, const float *dy, const float *w, const float *y,
                                              int batch, int in, int out, int act)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= in || r >= batch) {
        return;
    }
    float acc = 0.0f;
    for (int o = 0; o < out; o++) {
        size_t k = (size_t)r * out + o;
        acc += dy[k] * gt_dact(y[k], act) * w[(size_t)i * out + o];
    }
    dx[(size_t)r * in + i] = acc;
}

// Row i == in of the grid computes db[o]; dw or db may be null.
extern "C" __global__ void dense_backward_dw1(float *dw, float *db, const float *dy, const float *x,
                                              const float *y, int batch, int in, int out, int act)
{
    int o = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y;
    if (o >= out || i > in) {
        return;
    }
    float acc = 0.0f;
    for (int r = 0; r < batch; r++) {
        size_t k = (size_t)r * out + o;
        float a = i < in ? x[(size_t)r * in + i] : 1.0f;
        acc += a * dy[k] * gt_dact(y[k], act);
    }
    if (i < in) {
        if (dw) {
            dw[(size_t)i * out + o] = acc;
        }
    } else if (db) {
        db[o] = acc;
    }
}

// ---------------------------------------------------------------- variant 2

#define GT_THREADS 256
#define GT_BK 16

// Operand loaders: (row, col) of the logical operand, zero outside it.

// a(m, k) = p[m*ld + k]: a row-major (M, K) matrix.
struct RowMajor {
    const float *p;
    int rows, cols;
    __device__ float operator()(int r, int c) const
    {
        return (r < rows && c < cols) ? p[(size_t)r * cols + c] : 0.0f;
    }
};

// a(r, c) = p[c*rows + r]: the transpose of a row-major (cols, rows) matrix.
struct Transposed {
    const float *p;
    int rows, cols; // of the logical (transposed) operand
    __device__ float operator()(int r, int c) const
    {
        return (r < rows && c < cols) ? p[(size_t)c * rows + r] : 0.0f;
    }
};

// dz(r, c) = dy[r][c]·act'(y[r][c]) for row-major (rows, cols) dy and y.
struct DZ {
    const float *dy, *y;
    int rows, cols, act;
    __device__ float operator()(int r, int c) const
    {
        if (r >= rows || c >= cols) {
            return 0.0f;
        }
        size_t k = (size_t)r * cols + c;
        return dy[k] * gt_dact(y[k], act);
    }
};

// xᵀ with a row of ones appended: a(i, r) = x[r][i] for i < in, 1 for i == in.
struct XTOnes {
    const float *x;
    int in, batch;
    __device__ float operator()(int i, int r) const
    {
        if (r >= batch || i > in) {
            return 0.0f;
        }
        return i < in ? x[(size_t)r * in + i] : 1.0f;
    }
};

// gemm_tile accumulates the (BM, BN) tile at (bm, bn) of A·B (A is (M, K),
// B is (K, N), both read through loaders) into acc. ARowFast says A's
// memory is contiguous along k (load k fastest for coalescing); BRowFast
// the same for B along n. Thread t owns rows ty + i*(BM/TM) and columns
// tx + j*(BN/TN) of the tile.
template <int BM, int BN, int TM, int TN, bool AKFast, bool BNFast, class LA, class LB>
__device__ __forceinline__ void gemm_tile(const LA &la, const LB &lb, int K, int bm, int bn,
                                          float (&acc)[TM][TN])
{
    __shared__ float As[GT_BK][BM + 1];
    __shared__ float Bs[GT_BK][BN + 1];
    const int t = threadIdx.x;
    const int tx = t % (BN / TN), ty = t / (BN / TN);
#pragma unroll
    for (int i = 0; i < TM; i++) {
#pragma unroll
        for (int j = 0; j < TN; j++) {
            acc[i][j] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += GT_BK) {
        for (int e = t; e < BM * GT_BK; e += GT_THREADS) {
            int mm, kk;
            if (AKFast) {
                mm = e / GT_BK;
                kk = e % GT_BK;
            } else {
                kk = e / BM;
                mm = e % BM;
            }
            As[kk][mm] = la(bm + mm, k0 + kk);
        }
        for (int e = t; e < GT_BK * BN; e += GT_THREADS) {
            int kk, nn;
            if (BNFast) {
                kk = e / BN;
                nn = e % BN;
            } else {
                nn = e / GT_BK;
                kk = e % GT_BK;
            }
            Bs[kk][nn] = lb(k0 + kk, bn + nn);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GT_BK; kk++) {
            float a[TM], bv[TN];
#pragma unroll
            for (int i = 0; i < TM; i++) {
                a[i] = As[kk][ty + i * (BM / TM)];
            }
#pragma unroll
            for (int j = 0; j < TN; j++) {
                bv[j] = Bs[kk][tx + j * (BN / TN)];
            }
#pragma unroll
            for (int i = 0; i < TM; i++) {
#pragma unroll
                for (int j = 0; j < TN; j++) {
                    acc[i][j] += a[i] * bv[j];
                }
            }
        }
        __syncthreads();
    }
}

template <int BM, int BN, int TM, int TN>
__device__ __forceinline__ void dense_forward2(float *y, const float *x, const float *w, const float *b,
                                               int batch, int in, int out, int act)
{
    float acc[TM][TN];
    const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
    RowMajor la{x, batch, in};
    RowMajor lb{w, in, out};
    gemm_tile<BM, BN, TM, TN, true, true>(la, lb, in, bm, bn, acc);
    const int tx = threadIdx.x % (BN / TN), ty = threadIdx.x / (BN / TN);
#pragma unroll
    for (int i = 0; i < TM; i++) {
        int r = bm + ty + i * (BM / TM);
#pragma unroll
        for (int j = 0; j < TN; j++) {
            int o = bn + tx + j * (BN / TN);
            if (r < batch && o < out) {
                y[(size_t)r * out + o] = gt_act(acc[i][j] + b[o], act);
            }
        }
    }
}

// blockIdx.z == 0: dx (batch, in) = dz·wᵀ, skipped when dx is null.
// blockIdx.z == 1: [dw; db] (in+1, out) = [xᵀ; 1]·dz, skipped when both are null.
// The grid covers the larger of the two tile grids; surplus blocks return.
template <int BM, int BN, int TM, int TN>
__device__ __forceinline__ void dense_backward2(float *dx, float *dw, float *db, const float *dy,
                                                const float *x, const float *w, const float *y,
                                                int batch, int in, int out, int act)
{
    float acc[TM][TN];
    const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
    const int tx = threadIdx.x % (BN / TN), ty = threadIdx.x / (BN / TN);
    if (blockIdx.z == 0) {
        if (dx == nullptr || bm >= batch || bn >= in) {
            return;
        }
        DZ la{dy, y, batch, out, act};
        Transposed lb{w, out, in}; // b(k=o, n=i) = w[i][o]
        gemm_tile<BM, BN, TM, TN, true, false>(la, lb, out, bm, bn, acc);
#pragma unroll
        for (int i = 0; i < TM; i++) {
            int r = bm + ty + i * (BM / TM);
#pragma unroll
            for (int j = 0; j < TN; j++) {
                int c = bn + tx + j * (BN / TN);
                if (r < batch && c < in) {
                    dx[(size_t)r * in + c] = acc[i][j];
                }
            }
        }
        return;
    }
    if ((dw == nullptr && db == nullptr) || bm > in || bn >= out) {
        return;
    }
    XTOnes la{x, in, batch};
    DZ lb{dy, y, batch, out, act};
    gemm_tile<BM, BN, TM, TN, false, true>(la, lb, batch, bm, bn, acc);
#pragma unroll
    for (int i = 0; i < TM; i++) {
        int r = bm + ty + i * (BM / TM);
#pragma unroll
        for (int j = 0; j < TN; j++) {
            int c = bn + tx + j * (BN / TN);
            if (c >= out) {
                continue;
            }
            if (r < in) {
                if (dw) {
                    dw[(size_t)r * out + c] = acc[i][j];
                }
            } else if (r == in && db) {
                db[c] = acc[i][j];
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(GT_THREADS)
    dense_forward2_64(float *y, const float *x, const float *w, const float *b, int batch, int in, int out, int act)
{
    dense_forward2<64, 64, 4, 4>(y, x, w, b, batch, in, out, act);
}

extern "C" __global__ void __launch_bounds__(GT_THREADS)
    dense_forward2_32(float *y, const float *x, const float *w, const float *b, int batch, int in, int out, int act)
{
    dense_forward2<32, 32, 2, 2>(y, x, w, b, batch, in, out, act);
}

extern "C" __global__ void __launch_bounds__(GT_THREADS)
    dense_backward2_64(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                       const float *y, int batch, int in, int out, int act)
{
    dense_backward2<64, 64, 4, 4>(dx, dw, db, dy, x, w, y, batch, in, out, act);
}

extern "C" __global__ void __launch_bounds__(GT_THREADS)
    dense_backward2_32(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                       const float *y, int batch, int in, int out, int act)
{
    dense_backward2<32, 32, 2, 2>(dx, dw, db, dy, x, w, y, batch, in, out, act);
}
