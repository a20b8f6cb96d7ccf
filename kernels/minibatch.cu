// minibatch.cu: minibatch discrimination (Salimans et al. 2016, section
// 3.2; model.MinibatchOps, whose doc comment derives the formulas;
// internal/cpu/minibatch.go is the reference). The gradient accumulation
// that joins its two paths is elementwise.cu's accumulate_f32.
//
// m is (rows, kernels*dims), read as m[i,b,c] = m[i*kernels*dims + b*dims + c];
// the rows are cut into groups of group consecutive rows (the last may be
// shorter) and G(i) is row i's group. With L[i,j,b] = Σ_c |m[i,b,c] - m[j,b,c]|:
//
//   mbd_forward:    o[i,b]    = Σ_{j in G(i)} exp(-L[i,j,b])       (rows, kernels)
//   mbd_backward:   dm[k,b,c] = -Σ_{j in G(k)} (do[k,b] + do[j,b])
//                                 · exp(-L[k,j,b]) · sign(m[k,b,c] - m[j,b,c])
//                   with sign(0) = 0; dm is overwritten.
//
// Determinism, and agreement with the cpu backend: one thread owns one
// output row and kernel (i, b) and loops over the rows j of its group in
// ascending order, with no atomics and no reduction across threads, so
// every result has one fixed summation order. The order and the arithmetic
// are the cpu backend's: distances, exponentials and sums in double, the
// sum of o[i,b] starting at 1 (the term j = i) and adding the other rows'
// terms for j = 0, 1, ... (the order in which the cpu's loop over pairs
// (i', j'), i' < j', reaches row i), exp(-x) by the cpu's expNeg
// polynomial, every product and sum rounded on its own (__dmul_rn,
// __dadd_rn, __dsub_rn: no fused multiply-adds), and one rounding to float
// at the end. |a-b| = |b-a| and x + (-y) = x - y hold exactly in IEEE
// arithmetic, so computing each pair from both ends gives the cpu's values:
// the results are bit-identical to cpu Backend's.
//
// Thread e of the grid-stride loop takes group row e % group of task
// e / group, task = g*kernels + b: the threads of a warp share (g, b) and
// read the same m[j,b,:] and do[j,b] at each step of the j loop
// (broadcast loads; no shared memory). dims 1 to MBD_MAXD keep the
// thread's own vector (and the backward pass's sums) in registers; larger
// dims read the own vector from memory, and the backward pass then runs
// over the coordinates in chunks of MBD_MAXD, recomputing the
// exponentials per chunk.
//
// Variants: 1 (this file).
//
// Build: make kernels (kernels/kernels.mk) compiles it into the fat binary
// kernels/minibatch.fatbin.

#include "common.cuh"

#define MBD_MAXD 8

// mbd_exp_neg is cpu expNeg: exp(-x) for x >= 0 with n = int(x*log2(e) + 0.5),
// r = n*ln(2) - x and exp(-x) = 2^-n · p(r), p the degree-9 Taylor
// polynomial of exp evaluated by Estrin's scheme in the cpu's order;
// 0 beyond x = 700 (and for NaN).
__device__ __forceinline__ double mbd_exp_neg(double x)
{
    if (!(x <= 700.0)) {
        return 0.0;
    }
    const double log2e = __longlong_as_double(0x3ff71547652b82feLL); // Go math.Log2E
    const double ln2 = __longlong_as_double(0x3fe62e42fefa39efLL);   // Go math.Ln2
    int n = (int)__dadd_rn(__dmul_rn(x, log2e), 0.5);
    double r = __dsub_rn(__dmul_rn((double)n, ln2), x);
    double r2 = __dmul_rn(r, r);
    double r4 = __dmul_rn(r2, r2);
    // (1 + r + r2*(1/2 + r/6))
    double a = __dadd_rn(__dadd_rn(1.0, r), __dmul_rn(r2, __dadd_rn(1.0 / 2, __dmul_rn(r, 1.0 / 6))));
    // r4*((1/24 + r/120) + r2*(1/720 + r/5040))
    double b = __dmul_rn(r4, __dadd_rn(__dadd_rn(1.0 / 24, __dmul_rn(r, 1.0 / 120)),
                                       __dmul_rn(r2, __dadd_rn(1.0 / 720, __dmul_rn(r, 1.0 / 5040)))));
    // r4*r4*(1/40320 + r/362880)
    double c = __dmul_rn(__dmul_rn(r4, r4), __dadd_rn(1.0 / 40320, __dmul_rn(r, 1.0 / 362880)));
    double p = __dadd_rn(__dadd_rn(a, b), c);
    return __dmul_rn(p, __longlong_as_double((long long)(1023 - n) << 52));
}

// mbd_dist is L[i,j,b] = Σ_c |mi[c] - mj[c]| in double, c ascending; own
// holds mi[0..D-1] when D > 0.
template <int D>
__device__ __forceinline__ double mbd_dist(const double (&own)[D > 0 ? D : 1], const float *mi, const float *mj,
                                           int dims)
{
    double dist = 0.0;
    if (D > 0) {
#pragma unroll
        for (int c = 0; c < (D > 0 ? D : 1); c++) {
            dist = __dadd_rn(dist, fabs(__dsub_rn(own[c], (double)mj[c])));
        }
    } else {
        for (int c = 0; c < dims; c++) {
            dist = __dadd_rn(dist, fabs(__dsub_rn((double)mi[c], (double)mj[c])));
        }
    }
    return dist;
}

// mbd_forward_row computes o[r0+i, b] for the group of n rows starting at
// row r0; D is dims when it is at most MBD_MAXD, else 0.
template <int D>
__device__ __forceinline__ void mbd_forward_row(float *o, const float *m, int r0, int n, int i, int b,
                                                int kernels, int dims)
{
    const size_t kd = (size_t)kernels * dims;
    const float *mi = m + (size_t)(r0 + i) * kd + (size_t)b * dims;
    double own[D > 0 ? D : 1];
#pragma unroll
    for (int c = 0; c < (D > 0 ? D : 1); c++) {
        own[c] = D > 0 ? (double)mi[c] : 0.0;
    }
    double acc = 1.0; // exp(-0), the row itself
    for (int j = 0; j < n; j++) {
        if (j == i) {
            continue;
        }
        const float *mj = m + (size_t)(r0 + j) * kd + (size_t)b * dims;
        acc = __dadd_rn(acc, mbd_exp_neg(mbd_dist<D>(own, mi, mj, dims)));
    }
    o[(size_t)(r0 + i) * kernels + b] = (float)acc;
}

// mbd_backward_row computes dm[r0+k, b, :] for the group of n rows starting
// at row r0; D is dims when it is at most MBD_MAXD (one pass over j), else 0
// (passes over chunks of MBD_MAXD coordinates).
template <int D>
__device__ __forceinline__ void mbd_backward_row(float *dm, const float *dout, const float *m, int r0, int n, int k,
                                                 int b, int kernels, int dims)
{
    constexpr int CW = D > 0 ? D : MBD_MAXD; // coordinates per pass
    const size_t kd = (size_t)kernels * dims;
    const float *mk = m + (size_t)(r0 + k) * kd + (size_t)b * dims;
    float *dk = dm + (size_t)(r0 + k) * kd + (size_t)b * dims;
    const float *dob = dout + (size_t)r0 * kernels + b; // do[r0+j, b] = dob[j*kernels]
    const double dok = (double)dob[(size_t)k * kernels];
    double own[D > 0 ? D : 1];
#pragma unroll
    for (int c = 0; c < (D > 0 ? D : 1); c++) {
        own[c] = D > 0 ? (double)mk[c] : 0.0;
    }
    for (int c0 = 0; c0 < dims; c0 += CW) {
        double acc[CW], mine[CW];
#pragma unroll
        for (int cc = 0; cc < CW; cc++) {
            acc[cc] = 0.0;
            mine[cc] = c0 + cc < dims ? (double)mk[c0 + cc] : 0.0;
        }
        for (int j = 0; j < n; j++) {
            if (j == k) {
                continue;
            }
            const float *mj = m + (size_t)(r0 + j) * kd + (size_t)b * dims;
            double e = mbd_exp_neg(mbd_dist<D>(own, mk, mj, dims));
            double w = __dmul_rn(__dadd_rn(dok, (double)dob[(size_t)j * kernels]), e);
#pragma unroll
            for (int cc = 0; cc < CW; cc++) {
                if (c0 + cc < dims) {
                    double d = __dsub_rn(mine[cc], (double)mj[c0 + cc]);
                    if (d != 0.0) { // sign(0) = 0
                        acc[cc] = __dsub_rn(acc[cc], __dmul_rn(w, copysign(1.0, d)));
                    }
                }
            }
        }
#pragma unroll
        for (int cc = 0; cc < CW; cc++) {
            if (c0 + cc < dims) {
                dk[c0 + cc] = (float)acc[cc];
            }
        }
    }
}

// mbd_item decodes grid-stride item e into the group's first row r0, its
// length n, the row il within it and the kernel b; false for the idle
// items past the end of a short last group.
__device__ __forceinline__ bool mbd_item(long long e, int rows, int group, int kernels, int *r0, int *n, int *il,
                                         int *b)
{
    long long task = e / group;
    *il = (int)(e % group);
    *b = (int)(task % kernels);
    *r0 = (int)(task / kernels) * group;
    *n = min(group, rows - *r0);
    return *il < *n;
}

#define MBD_DISPATCH(FN, ...)                                                                                   \
    switch (dims) {                                                                                             \
    case 1: FN<1>(__VA_ARGS__); break;                                                                          \
    case 2: FN<2>(__VA_ARGS__); break;                                                                          \
    case 3: FN<3>(__VA_ARGS__); break;                                                                          \
    case 4: FN<4>(__VA_ARGS__); break;                                                                          \
    case 5: FN<5>(__VA_ARGS__); break;                                                                          \
    case 6: FN<6>(__VA_ARGS__); break;                                                                          \
    case 7: FN<7>(__VA_ARGS__); break;                                                                          \
    case 8: FN<8>(__VA_ARGS__); break;                                                                          \
    default: FN<0>(__VA_ARGS__); break;                                                                         \
    }

// One thread per (row, kernel); items = ceil(rows/group) * kernels * group.
extern "C" __global__ void mbd_forward(float *o, const float *m, int rows, int group, int kernels, int dims)
{
    const long long total = (long long)((rows + (long long)group - 1) / group) * kernels * group;
    GT_GRID_STRIDE_LOOP(long long, e, total) {
        int r0, n, i, b;
        if (!mbd_item(e, rows, group, kernels, &r0, &n, &i, &b)) {
            continue;
        }
        MBD_DISPATCH(mbd_forward_row, o, m, r0, n, i, b, kernels, dims)
    }
}

// One thread per (row, kernel), as mbd_forward; dout is do.
extern "C" __global__ void mbd_backward(float *dm, const float *dout, const float *m, int rows, int group,
                                        int kernels, int dims)
{
    const long long total = (long long)((rows + (long long)group - 1) / group) * kernels * group;
    GT_GRID_STRIDE_LOOP(long long, e, total) {
        int r0, n, k, b;
        if (!mbd_item(e, rows, group, kernels, &r0, &n, &k, &b)) {
            continue;
        }
        MBD_DISPATCH(mbd_backward_row, dm, dout, m, r0, n, k, b, kernels, dims)
    }
}
