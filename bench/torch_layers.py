#!/usr/bin/python3
"""Per-layer reference times of PyTorch (OpenBLAS) for gan-train's dense layers.

internal/cpu/bench_test.go's BenchmarkDenseForward and BenchmarkDenseBackward time
gan-train's CPU backend on the dense layers of the edward (seed) and quality
presets; this script times the same work in PyTorch on the CPU, so that
bench/cpu-vs-torch.sh can put the two side by side (issue 14).

For a layer of `batch` rows, `in` inputs and `out` outputs, with the weights
laid out (in, out) as in gan-train:

  forward   y = act(b + x @ w)             torch.addmm, then the activation
                                           in place (relu_, sigmoid_, tanh_,
                                           leaky_relu_ with slope 0.2)
  backward  dz = dy * act'(y)              the op autograd runs for act,
                                           computed from y (threshold_backward,
                                           sigmoid_backward, tanh_backward,
                                           leaky_relu_backward)
            dx = dz @ w.T, dw = x.T @ dz, db = dz.sum(0)   (into preallocated
                                           outputs with out=)

which is what cpu.Backend.DenseForward and DenseBackward compute. The layer
names match the Go sub-benchmarks.

Each layer is timed --repeats times for about --seconds each, after a warm-up;
the best repeat (least disturbed by other processes) is printed, one JSON
object per line: {"layer":..., "pass":"forward"|"backward",
"ns_per_op":..., "cpu_ns_per_op":..., "gflops":...}; cpu_ns_per_op is the
process CPU time (one thread: the time PyTorch ran, however many other
processes shared the core), gflops the wall-clock rate. GFLOP counts are the products only: 2*b*i*o
forward, 4*b*i*o backward (dx and dw).

Run with Debian's interpreter (python3-torch, libopenblas0-pthread):
  /usr/bin/python3 bench/torch_layers.py [--threads 1] [--seconds 0.2]
"""

import argparse
import json
import os
import time

# name, batch, in, out, activation: internal/cpu/bench_test.go's benchLayers.
LAYERS = [
    ("G1_128x100x128", 128, 100, 128, "relu"),
    ("G2_128x128x784", 128, 128, 784, "sigmoid"),
    ("D1_256x784x128", 256, 784, 128, "relu"),
    ("D2_256x128x1", 256, 128, 1, "identity"),
    ("qG1_64x110x256", 64, 110, 256, "leaky_relu"),
    ("qG2_64x256x512", 64, 256, 512, "leaky_relu"),
    ("qG3_64x512x784", 64, 512, 784, "tanh"),
    ("qD1_128x794x512", 128, 794, 512, "leaky_relu"),
    ("qD2_128x512x256", 128, 512, 256, "leaky_relu"),
    ("qD3_128x256x1", 128, 256, 1, "identity"),
]

SLOPE = 0.2  # model.LeakySlope


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=0.2, help="time per repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated layer names (default all)")
    args = ap.parse_args()
    if args.threads < 1 or args.repeats < 1 or not args.seconds > 0:
        ap.error("--threads and --repeats must be positive, --seconds > 0")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    aten = torch.ops.aten
    only = set(filter(None, args.only.split(",")))

    def timeit(fn):
        for _ in range(20):
            fn()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.seconds / 4:
            fn()
            n += 1
        best = best_cpu = None
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(4 * n):
                fn()
            dt = (time.perf_counter() - t0) / (4 * n)
            dc = (time.process_time() - c0) / (4 * n)
            best = dt if best is None else min(best, dt)
            best_cpu = dc if best_cpu is None else min(best_cpu, dc)
        return best, best_cpu

    with torch.no_grad():
        for name, b, i, o, act in LAYERS:
            if only and name not in only:
                continue
            x = torch.rand(b, i) * 2 - 1
            w = (torch.rand(i, o) * 2 - 1) * 0.1
            bias = (torch.rand(o) * 2 - 1) * 0.1
            y = torch.empty(b, o)
            yv = torch.rand(b, o) * 0.98 + 0.01
            dy = torch.rand(b, o) * 2 - 1
            dz = torch.empty(b, o)
            dx, dw, db = torch.empty(b, i), torch.empty(i, o), torch.empty(o)

            def fwd():
                torch.addmm(bias, x, w, out=y)
                if act == "relu":
                    y.relu_()
                elif act == "sigmoid":
                    y.sigmoid_()
                elif act == "tanh":
                    y.tanh_()
                elif act == "leaky_relu":
                    torch.nn.functional.leaky_relu_(y, SLOPE)

            def bwd():
                if act == "relu":
                    g = aten.threshold_backward(dy, yv, 0)
                elif act == "sigmoid":
                    g = aten.sigmoid_backward(dy, yv)
                elif act == "tanh":
                    g = aten.tanh_backward(dy, yv)
                elif act == "leaky_relu":
                    g = aten.leaky_relu_backward(dy, yv, SLOPE, True)
                else:
                    g = dy
                torch.mm(g, w.t(), out=dx)
                torch.mm(x.t(), g, out=dw)
                torch.sum(g, 0, out=db)

            for pas, fn, flops in (("forward", fwd, 2 * b * i * o), ("backward", bwd, 4 * b * i * o)):
                t, tc = timeit(fn)
                print(json.dumps({"layer": name, "pass": pas, "ns_per_op": round(t * 1e9),
                                  "cpu_ns_per_op": round(tc * 1e9),
                                  "gflops": round(flops / t / 1e9, 3), "threads": args.threads,
                                  "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
