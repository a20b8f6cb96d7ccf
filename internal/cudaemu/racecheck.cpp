// racecheck.cpp: the barrier-sensitive kernels (the tiled GEMMs and the
// block reductions) on the emulated device, built as a standalone program
// under a sanitizer (make test-gpu-emu-sanitize). Under ThreadSanitizer the
// CUDA threads of a block are TSan fibers that only the emulated barriers
// order, so a missing __syncthreads between writing a shared tile and
// reading it is a reported data race, whatever the results happen to be.
// The program also checks the results against the naive kernels and host
// sums, and exits non-zero on any mismatch or launch error.
//
// Not part of the Go build (no cudaemu build tag on purpose: a Go build of
// the package would link a second main). Build line: see the Makefile.
//go:build ignore

#include "capi.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

static gt_emu_device *dev;
static int failures;

static void fail(const char *what)
{
    fprintf(stderr, "racecheck: FAIL: %s: %s\n", what, gt_emu_error(dev));
    failures++;
}

static unsigned long long upload(const std::vector<float> &v)
{
    unsigned long long p = 0;
    if (gt_emu_alloc(dev, 4 * v.size(), &p) || gt_emu_htod(dev, p, v.data(), 4 * v.size())) {
        fail("upload");
        exit(1);
    }
    return p;
}

static std::vector<float> download(unsigned long long p, size_t n)
{
    std::vector<float> v(n);
    if (gt_emu_dtoh(dev, v.data(), p, 4 * n)) {
        fail("download");
    }
    return v;
}

static unsigned long long u(float f)
{
    unsigned int b;
    memcpy(&b, &f, 4);
    return b;
}

static void launch(const char *mod, const char *name, unsigned gx, unsigned gy, unsigned gz, unsigned threads,
                   std::vector<unsigned long long> args)
{
    int k = 0;
    if (gt_emu_function(dev, mod, name, &k) ||
        gt_emu_launch(dev, k, gx, gy, gz, threads, 1, 1, 0, args.data(), (int)args.size(), 0)) {
        fail(name);
    }
}

static std::vector<float> randoms(std::mt19937 &r, size_t n, float lo, float hi)
{
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto &x : v) {
        x = d(r);
    }
    return v;
}

static void near(const char *what, const std::vector<float> &got, const std::vector<float> &want, double tol)
{
    for (size_t i = 0; i < got.size(); i++) {
        if (!(std::fabs((double)got[i] - want[i]) <= tol * (1 + std::fabs((double)want[i])))) {
            fprintf(stderr, "racecheck: FAIL: %s[%zu] = %g, want %g\n", what, i, got[i], want[i]);
            failures++;
            return;
        }
    }
}

// The tiled GEMMs (variant 2) against the naive kernels (variant 1), on a
// shape with partial tiles and several 16-deep slabs.
static void gemms(std::mt19937 &r)
{
    const int batch = 70, in = 100, out = 90, act = 4; // tanh
    auto x = upload(randoms(r, batch * in, -1, 1)), w = upload(randoms(r, in * out, -0.3f, 0.3f)),
         b = upload(randoms(r, out, -0.5f, 0.5f)), dy = upload(randoms(r, batch * out, -1, 1));
    std::vector<float> zeros(batch * out > in * out ? batch * out : in * out, 0.0f);
    auto y1 = upload(std::vector<float>(batch * out)), dx1 = upload(std::vector<float>(batch * in)),
         dw1 = upload(std::vector<float>(in * out)), db1 = upload(std::vector<float>(out));
    launch("dense", "dense_forward1", (out + 127) / 128, batch, 1, 128, {y1, x, w, b, batch, in, out, act});
    launch("dense", "dense_backward_dx1", (in + 127) / 128, batch, 1, 128, {dx1, dy, w, y1, batch, in, out, act});
    launch("dense", "dense_backward_dw1", (out + 127) / 128, in + 1, 1, 128, {dw1, db1, dy, x, y1, batch, in, out, act});
    for (int t : {64, 32}) {
        char fwd[32], bwd[32];
        snprintf(fwd, sizeof fwd, "dense_forward2_%d", t);
        snprintf(bwd, sizeof bwd, "dense_backward2_%d", t);
        auto y2 = upload(std::vector<float>(batch * out)), dx2 = upload(std::vector<float>(batch * in)),
             dw2 = upload(std::vector<float>(in * out)), db2 = upload(std::vector<float>(out));
        launch("dense", fwd, (out + t - 1) / t, (batch + t - 1) / t, 1, 256, {y2, x, w, b, batch, in, out, act});
        unsigned gx = std::max((in + t - 1) / t, (out + t - 1) / t), gy = std::max((batch + t - 1) / t, (in + t) / t);
        launch("dense", bwd, gx, gy, 2, 256, {dx2, dw2, db2, dy, x, w, y1, batch, in, out, act});
        near(fwd, download(y2, batch * out), download(y1, batch * out), 1e-5);
        near(bwd, download(dx2, batch * in), download(dx1, batch * in), 1e-5);
        near(bwd, download(dw2, in * out), download(dw1, in * out), 1e-5);
        near(bwd, download(db2, out), download(db1, out), 1e-5);
    }
}

// The block reductions (gt_block_sum) against host sums in double.
static void reductions(std::mt19937 &r)
{
    const int n = 3000, g = 3;
    std::vector<float> hx = randoms(r, n, -4, 4);
    auto x = upload(hx), partial = upload(std::vector<float>(g)), out = upload(std::vector<float>(1)),
         dx = upload(std::vector<float>(n));
    double bce = 0, sq = 0;
    for (float v : hx) {
        bce += std::fmax(v, 0.0) - v * 1.0 + std::log1p(std::exp(-std::fabs((double)v)));
        sq += (double)v * v;
    }
    launch("loss", "logit_bce_partial", g, 1, 1, 256, {dx, partial, x, n, u(1.0f), u(1.0f / n)});
    launch("loss", "reduce_final", 1, 1, 1, 256, {out, partial, g, u(1.0f / n)});
    near("logit_bce mean", download(out, 1), {(float)(bce / n)}, 1e-5);
    launch("loss", "reduce_map_partial", g, 1, 1, 256, {partial, x, n, 1, u(1.0f)});
    launch("loss", "reduce_final", 1, 1, 1, 256, {out, partial, g, u(1.0f)});
    near("sum of squares", download(out, 1), {(float)sq}, 1e-5);
    // softmax cross-entropy and an f-divergence: checked for races and for
    // a finite result.
    const int rows = 300, classes = 10;
    std::vector<float> labels(rows);
    for (int i = 0; i < rows; i++) {
        labels[i] = (float)(i % classes);
    }
    auto lx = upload(randoms(r, rows * classes, -2, 2)), lab = upload(labels), ldx = upload(std::vector<float>(rows * classes));
    unsigned long long flag = 0;
    gt_emu_alloc(dev, 4, &flag);
    gt_emu_memset32(dev, flag, 0, 1);
    launch("loss", "softmax_xent_partial", g, 1, 1, 256, {ldx, partial, lx, lab, rows, classes, u(1.0f / rows), flag});
    launch("loss", "reduce_final", 1, 1, 1, 256, {out, partial, g, u(1.0f / rows)});
    float sx = download(out, 1)[0];
    launch("loss", "fdiv_partial", g, 1, 1, 256, {dx, partial, x, n, 1, 0, u(1.0f / n)});
    launch("loss", "reduce_final", 1, 1, 1, 256, {out, partial, g, u(1.0f / n)});
    float fd = download(out, 1)[0];
    if (!std::isfinite(sx) || !std::isfinite(fd)) {
        fprintf(stderr, "racecheck: FAIL: softmax %g, f-divergence %g, want finite\n", sx, fd);
        failures++;
    }
}

int main()
{
    dev = gt_emu_open(2);
    std::mt19937 r(7);
    gemms(r);
    reductions(r);
    // A launch that fails part-way (a deadlock abandons its fibers), then
    // the checks again: the runtime must recover without a report.
    unsigned long long buf = 0;
    int k = 0;
    std::vector<unsigned long long> args(1);
    if (gt_emu_alloc(dev, 4 * 2 * 128, &buf) || gt_emu_function(dev, "selftest", "st_deadlock", &k)) {
        fail("setting up the failing launch");
    }
    args[0] = buf;
    if (gt_emu_launch(dev, k, 2, 1, 1, 128, 1, 1, 0, args.data(), 1, 0) != GT_EMU_EFAULT) {
        fprintf(stderr, "racecheck: FAIL: st_deadlock did not fail its launch\n");
        failures++;
    }
    gemms(r);
    reductions(r);
    gt_emu_close(dev);
    if (failures) {
        fprintf(stderr, "racecheck: %d failures\n", failures);
        return 1;
    }
    printf("racecheck: tiled GEMMs and block reductions agree, no launch errors\n");
    return 0;
}
