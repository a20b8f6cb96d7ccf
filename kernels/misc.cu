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

extern "C" __global__ void gather_rows(float *dst, const float *src, const float *perm, int rows, int cols,
                                       int srcRows, int permLen, const float *bc,
                                       unsigned int *err)
{
    unsigned int b = gt_counter(bc);
    long long total = (long long)rows * cols;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        int r = (int)(e / cols), c = (int)(e % cols);
        long long pos = (long long)b * rows + r;
        bool ok = false;
        float v = __int_as_float(0x7fc00000);
        if (pos < permLen) {
            float pf = perm[pos];
            int row = (int)pf;
            if (pf >= 0.0f && row < srcRows && (float)row == pf) {
                v = src[(size_t)row * cols + c];
                ok = true;
            }
        }
        if (!ok && c == 0) {
            gt_flag(err, GT_ERR_GATHER_RANGE);
        }
        dst[e] = v;
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
        long long pos = (long long)b * rows + r;
        bool ok = false;
        float v = __int_as_float(0x7fc00000);
        if (pos < permLen) {
            float pf = perm[pos];
            // The bound before the cast: a float past int's range has no int.
            int row = (pf >= 0.0f && pf < 2147483648.0f) ? (int)pf : -1;
            if (row >= 0 && row < srcRows && (float)row == pf) {
                long long i = (long long)row * cols + c;
                v = table[(src[i >> 2] >> (8 * (int)(i & 3))) & 0xffu];
                ok = true;
            }
        }
        if (!ok && c == 0) {
            gt_flag(err, GT_ERR_GATHER_BYTES_RANGE);
        }
        dst[e] = v;
    }
}
