// layout.cu: values moved between positions without computing new ones:
// batch gathering through a permutation, one-hot codes and column copies
// (model.LayoutOps; internal/cpu/layout.go is the reference):
//
//   gather_rows:  rows = dst.Len()/cols, bc read from the counter bc,
//                 dst[r][c] = src[perm[bc*rows + r]][c]
//                 src is (srcRows, cols), perm holds row numbers of src as
//                 float32 (permLen of them), dst is (rows, cols). A perm
//                 position past permLen or a row number outside src writes
//                 NaN into that row and raises GT_ERR_GATHER_RANGE in the
//                 error flag err, which the Go backend reports at Sync.
//   gather_bytes: gather_rows over packed bytes, through a table:
//                 dst[r][c] = table[byte(perm[bc*rows + r]*cols + c)],
//                 byte(i) = (src[i/4] >> 8*(i%4)) & 0xff
//                 src is (srcRows, cols) bytes four per 32-bit element
//                 (UploadBytes), table is (256); errors as gather_rows but
//                 raising GT_ERR_GATHER_BYTES_RANGE.
//   one_hot:      dst[r*width + col + c] = (c == labels[r]) ? 1 : 0,
//                 c < classes; a label that is not an integer in
//                 [0, classes) writes NaN into its row's columns and raises
//                 GT_ERR_ONEHOT_LABEL, which Sync reports.
//   copy_cols:    dst[r*dw + dc + c] = src[r*sw + sc + c],  c < n
//
// Variants: 1 (this file), grid-stride loops, one thread per output element.
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/layout.fatbin.

#include "common.cuh"

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

// gather_index is the index into src (srcRows, cols) of the element that
// element e of a gathered batch (rows, cols) of batch b reads, or -1 when
// its row is not in perm or not in src; then, once per row, it raises code
// in err.
__device__ __forceinline__ long long gather_index(long long e, const float *perm, unsigned int b, int rows, int cols,
                                                  int permLen, int srcRows, unsigned int *err, unsigned int code)
{
    int r = (int)(e / cols), c = (int)(e % cols);
    int row = gather_row(perm, b, rows, r, permLen, srcRows);
    if (row < 0) {
        if (c == 0) {
            gt_flag(err, code);
        }
        return -1;
    }
    return (long long)row * cols + c;
}

extern "C" __global__ void gather_rows(float *dst, const float *src, const float *perm, int rows, int cols,
                                       int srcRows, int permLen, const float *bc,
                                       unsigned int *err)
{
    unsigned int b = gt_counter(bc);
    long long total = (long long)rows * cols;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        long long i = gather_index(e, perm, b, rows, cols, permLen, srcRows, err, GT_ERR_GATHER_RANGE);
        dst[e] = i < 0 ? __int_as_float(0x7fc00000) : src[i];
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
        long long i = gather_index(e, perm, b, rows, cols, permLen, srcRows, err, GT_ERR_GATHER_BYTES_RANGE);
        dst[e] = i < 0 ? __int_as_float(0x7fc00000) : table[(src[i >> 2] >> (8 * (int)(i & 3))) & 0xffu];
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
