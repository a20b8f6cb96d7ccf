// misc.cu: element-wise helpers and batch gathering (cpu Backend.Copy, Fill,
// Affine, GatherRows and GatherBytes; model/backend.go):
//   copy_f32:    dst[i] = src[i]                     i < n
//   fill_f32:    x[i] = v                            i < n
//   affine_f32:  x[i] = a*x[i] + c                   i < n
//   gather_rows: rows = dst.Len()/cols, bc read from the counter bc,
//                dst[r][c] = src[perm[bc*rows + r]][c]
//                src is (srcRows, cols), perm holds row numbers of src as
//                float32 (permLen of them), dst is (rows, cols). A perm
//                position past permLen or a row number outside src writes
//                NaN into that row and raises GT_ERR_GATHER_RANGE in the
//                error flag err, which the Go backend reports at Sync.
//   gather_bytes: gather_rows over packed bytes, through a table:
//                dst[r][c] = table[byte(perm[bc*rows + r]*cols + c)],
//                byte(i) = (src[i/4] >> 8*(i%4)) & 0xff
//                src is (srcRows, cols) bytes four per 32-bit element
//                (UploadBytes), table is (256); errors as gather_rows.
//
// Variants: 1 (this file), grid-stride loops, one thread per element.
//
// Build: nvcc --ptx -arch=compute_70 -o kernels/misc.ptx kernels/misc.cu
// (see kernels/kernels.mk).

#include "common.cuh"

extern "C" __global__ void copy_f32(float *dst, const float *src, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        dst[i] = src[i];
    }
}

extern "C" __global__ void fill_f32(float *x, int n, float v)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        x[i] = v;
    }
}

extern "C" __global__ void affine_f32(float *x, int n, float a, float c)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        x[i] = a * x[i] + c;
    }
}

// gather_row is the row of src that row r of batch b reads: perm[b*rows + r],
// or -1 when perm has no such entry or it is not a row number in
// [0, srcRows) (bounded before the cast: a float past int's range has no int).
__device__ __forceinline__ int gather_row(const float *perm, unsigned int b, int rows, int r, int permLen, int srcRows)
{
    long long pos = (long long)b * rows + r;
    if (pos >= permLen) {
        return -1;
    }
    float pf = perm[pos];
    int row = (pf >= 0.0f && pf < 2147483648.0f) ? (int)pf : -1;
    return (row >= 0 && row < srcRows && (float)row == pf) ? row : -1;
}

extern "C" __global__ void gather_rows(float *dst, const float *src, const float *perm, int rows, int cols,
                                       int srcRows, int permLen, const float *bc,
                                       unsigned int *err)
{
    unsigned int b = gt_counter(bc);
    long long total = (long long)rows * cols;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        int r = (int)(e / cols), c = (int)(e % cols);
        int row = gather_row(perm, b, rows, r, permLen, srcRows);
        if (row < 0 && c == 0) {
            gt_flag(err, GT_ERR_GATHER_RANGE);
        }
        dst[e] = row < 0 ? __int_as_float(0x7fc00000) : src[(size_t)row * cols + c];
    }
}

extern "C" __global__ void gather_bytes(float *dst, const unsigned int *src, const float *table, const float *perm,
                                        int rows, int cols, int srcRows, int permLen, const float *bc,
                                        unsigned int *err)
{
    unsigned int b = gt_counter(bc);
    long long total = (long long)rows * cols;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        int r = (int)(e / cols), c = (int)(e % cols);
        int row = gather_row(perm, b, rows, r, permLen, srcRows);
        if (row < 0) {
            if (c == 0) {
                gt_flag(err, GT_ERR_GATHER_BYTES_RANGE);
            }
            dst[e] = __int_as_float(0x7fc00000);
            continue;
        }
        long long i = (long long)row * cols + c;
        dst[e] = table[(src[i >> 2] >> (8 * (int)(i & 3))) & 0xffu];
    }
}
