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
//   1  naive: one thread per output element, k-loop in global memory
//      (naive_gemm). The readable device reference. dense_forward1,
//      dense_backward_dx1, dense_backward_dw1.
//   2  tiled shared-memory SGEMM with register blocking: a block computes a
//      BM×BN tile of C = A·B in BK-deep slabs staged through shared memory,
//      each of its 256 threads a TM×TN sub-tile (strided, conflict-free
//      shared reads). Two tile shapes: 64×64 (4×4 per thread) for large
//      problems, 32×32 (2×2 per thread) when 64×64 tiles would leave most
//      SMs idle. Bias and activation are applied in the epilogue. The
//      backward pass is one launch: blockIdx.z = 0 computes dx tiles,
//      blockIdx.z = 1 computes dw and db tiles. dense_forward2_64,
//      dense_forward2_32, dense_backward2_64, dense_backward2_32.
// Both variants read their operands through the same loaders and write
// through the same stores (below), and sum each element in ascending k; so
// comparing them tests variant 2's tiling (slabs, barriers, sub-tile
// indices); the conformance suite tests the loaders and stores against the
// cpu backend.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/dense.fatbin.

#include "common.cuh"

// ---------------------------------------------------------------- operands

// Operand loaders, of both variants: (row, col) of the logical operand,
// zero outside it.

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

// Stores, of both variants: where element (r, c) of a product goes,
// nothing outside the output.

// y[r][c] = act(v + b[c]) for row-major (rows, cols) y: the forward pass.
struct BiasAct {
    float *y;
    const float *b;
    int rows, cols, act;
    __device__ void operator()(int r, int c, float v) const
    {
        if (r < rows && c < cols) {
            y[(size_t)r * cols + c] = gt_act(v + b[c], act);
        }
    }
};

// p[r][c] = v for row-major (rows, cols) p: dx.
struct Plain {
    float *p;
    int rows, cols;
    __device__ void operator()(int r, int c, float v) const
    {
        if (r < rows && c < cols) {
            p[(size_t)r * cols + c] = v;
        }
    }
};

// [dw; db], (in+1, out): dw[r][c] = v for r < in, db[c] = v for r == in;
// dw or db may be null.
struct DWDB {
    float *dw, *db;
    int in, out;
    __device__ void operator()(int r, int c, float v) const
    {
        if (c >= out) {
            return;
        }
        if (r < in) {
            if (dw) {
                dw[(size_t)r * out + c] = v;
            }
        } else if (r == in && db) {
            db[c] = v;
        }
    }
};

// ---------------------------------------------------------------- variant 1

// naive_gemm hands element (m, n) of C = A·B (A is (M, K), B is (K, N),
// read through loaders) to store, m = blockIdx.y, n = blockIdx.x*blockDim.x +
// threadIdx.x: the sum over k of a(m, k)·b(k, n) in ascending k, read from
// global memory. Threads outside C do nothing.
template <class LA, class LB, class S>
__device__ __forceinline__ void naive_gemm(const LA &la, const LB &lb, int M, int N, int K, const S &store)
{
    int n = blockIdx.x * blockDim.x + threadIdx.x;
    int m = blockIdx.y;
    if (m >= M || n >= N) {
        return;
    }
    float acc = 0.0f;
    for (int k = 0; k < K; k++) {
        acc += la(m, k) * lb(k, n);
    }
    store(m, n, acc);
}

// y = act(x·w + b).
extern "C" __global__ void dense_forward1(float *y, const float *x, const float *w, const float *b,
                                          int batch, int in, int out, int act)
{
    naive_gemm(RowMajor{x, batch, in}, RowMajor{w, in, out}, batch, out, in, BiasAct{y, b, batch, out, act});
}

// dx = dz·wᵀ, b(k=o, n=i) = w[i][o].
extern "C" __global__ void dense_backward_dx1(float *dx, const float *dy, const float *w, const float *y,
                                              int batch, int in, int out, int act)
{
    naive_gemm(DZ{dy, y, batch, out, act}, Transposed{w, out, in}, batch, in, out, Plain{dx, batch, in});
}

// [dw; db] = [xᵀ; 1]·dz: row i == in of the grid computes db[o]; dw or db
// may be null.
extern "C" __global__ void dense_backward_dw1(float *dw, float *db, const float *dy, const float *x,
                                              const float *y, int batch, int in, int out, int act)
{
    naive_gemm(XTOnes{x, in, batch}, DZ{dy, y, batch, out, act}, in + 1, out, batch, DWDB{dw, db, in, out});
}

// ---------------------------------------------------------------- variant 2

#define GT_THREADS 256
#define GT_BK 16

// stage copies the (GT_BK, W) slab at (k0, w0) of an operand into the
// shared array S: S[kk][ww] = op(k0 + kk, w0 + ww). The block's threads
// take its elements in the operand's memory order, for coalesced loads: kk
// fastest when KFast, else ww fastest.
template <int W, bool KFast, class Tile, class Op>
__device__ __forceinline__ void stage(Tile &S, const Op &op, int k0, int w0)
{
    for (int e = threadIdx.x; e < W * GT_BK; e += GT_THREADS) {
        int kk, ww;
        if (KFast) {
            ww = e / GT_BK;
            kk = e % GT_BK;
        } else {
            kk = e / W;
            ww = e % W;
        }
        S[kk][ww] = op(k0 + kk, w0 + ww);
    }
}

// gemm_tile accumulates the (BM, BN) tile at (bm, bn) of A·B (A is (M, K),
// B is (K, N), both read through loaders) into acc. AKFast says A's
// memory is contiguous along k, BKFast the same for B (stage loads each in
// memory order). Thread t owns rows ty + i*(BM/TM) and columns
// tx + j*(BN/TN) of the tile (tile_store).
template <int BM, int BN, int TM, int TN, bool AKFast, bool BKFast, class LA, class LB>
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
        stage<BM, AKFast>(As, [&](int k, int m) { return la(m, k); }, k0, bm);
        stage<BN, BKFast>(Bs, lb, k0, bn);
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

// tile_store hands the thread's elements of the tile at (bm, bn), acc as
// gemm_tile left it, to store(row, column, value).
template <int BM, int BN, int TM, int TN, class S>
__device__ __forceinline__ void tile_store(const float (&acc)[TM][TN], int bm, int bn, const S &store)
{
    const int tx = threadIdx.x % (BN / TN), ty = threadIdx.x / (BN / TN);
#pragma unroll
    for (int i = 0; i < TM; i++) {
#pragma unroll
        for (int j = 0; j < TN; j++) {
            store(bm + ty + i * (BM / TM), bn + tx + j * (BN / TN), acc[i][j]);
        }
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
    gemm_tile<BM, BN, TM, TN, true, false>(la, lb, in, bm, bn, acc);
    tile_store<BM, BN, TM, TN>(acc, bm, bn, BiasAct{y, b, batch, out, act});
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
    if (blockIdx.z == 0) {
        if (dx == nullptr || bm >= batch || bn >= in) {
            return;
        }
        DZ la{dy, y, batch, out, act};
        Transposed lb{w, out, in}; // b(k=o, n=i) = w[i][o]
        gemm_tile<BM, BN, TM, TN, true, true>(la, lb, out, bm, bn, acc);
        tile_store<BM, BN, TM, TN>(acc, bm, bn, Plain{dx, batch, in});
        return;
    }
    if ((dw == nullptr && db == nullptr) || bm > in || bn >= out) {
        return;
    }
    XTOnes la{x, in, batch};
    DZ lb{dy, y, batch, out, act};
    gemm_tile<BM, BN, TM, TN, false, false>(la, lb, batch, bm, bn, acc);
    tile_store<BM, BN, TM, TN>(acc, bm, bn, DWDB{dw, db, in, out});
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
