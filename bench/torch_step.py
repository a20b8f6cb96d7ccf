#!/usr/bin/python3
"""Throughput of one edward-preset GAN training step in PyTorch on the CPU.

This is the reference that gan-train's CPU backend is measured against
(issue "Speed, measured honestly"). The step is the one seed 000 (Edward's
GAN tutorial) describes and gan-train's `edward` preset implements:

  batch 128, latent 100 ~ Uniform(-1, 1)
  G: Linear(100, 128) ReLU -> Linear(128, 784) sigmoid
  D: Linear(784, 128) ReLU -> Linear(128, 1) logit
  Adam(lr 1e-3, betas 0.9/0.999, eps 1e-8) for each network
  one step = D update on a real batch (Bernoulli-binarized) and a fake batch
             with BCE-with-logits (real 1, fake 0), then a G update with the
             non-saturating loss -log D(G(z)) on fresh noise.

With --reuse-fake the G update runs the D step's fake batch (the same
noise) through the updated D instead of drawing fresh noise, saving one G
forward pass: that is the step internal/cpu/bench_test.go's BenchmarkEdwardStep times,
while the trainer (train/) draws fresh noise for G as the default here does.

The data is a fixed random [0,1] tensor of 9000x784 (the size of the embedded
training split); its content does not change the cost of a step.

Run with Debian's interpreter (the one python3-torch is installed for):
  /usr/bin/python3 bench/torch_step.py [--threads 1] [--steps 3000]
It prints one JSON object:
  {"impl":"pytorch","threads":1,"steps_per_sec":...,"gflops":...,...}
steps_per_sec and gflops are wall-clock figures of the best of --repeats
timed runs; cpu_time_steps_per_sec divides by the process CPU time instead.
"""

import argparse
import json
import os
import sys
import time


def step_flops(batch, latent, g_hidden, d_hidden, pixels, reuse_fake=False):
    """Floating-point operations (2 per multiply-add) of the matrix products
    of one step, counted from the shapes; element-wise work is left out.

    D step: G forward on z; D forward on the real and the fake batch; D
    backward on both: dW and db for both layers, dX only for the second layer
    (nothing needs the gradient with respect to the images).
    G step: G forward on fresh z; D forward on the fakes; D backward for dX
    only (D is frozen); G backward: dW for both layers, dX for the second.
    With reuse_fake the G step reuses the D step's G forward pass.
    """
    def mm(m, k, n):
        return 2 * m * k * n

    g_fwd = mm(batch, latent, g_hidden) + mm(batch, g_hidden, pixels)
    d_fwd = mm(batch, pixels, d_hidden) + mm(batch, d_hidden, 1)
    d_bwd_weights = mm(pixels, batch, d_hidden) + mm(d_hidden, batch, 1)
    d_bwd_dx2 = mm(batch, 1, d_hidden)
    d_bwd_dx1 = mm(batch, d_hidden, pixels)
    g_bwd = (mm(g_hidden, batch, pixels) + mm(batch, pixels, g_hidden)
             + mm(latent, batch, g_hidden))

    d_step = g_fwd + 2 * d_fwd + 2 * (d_bwd_weights + d_bwd_dx2)
    g_step = d_fwd + d_bwd_dx2 + d_bwd_dx1 + g_bwd
    if not reuse_fake:
        g_step += g_fwd
    return d_step + g_step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1)")
    ap.add_argument("--steps", type=int, default=3000, help="timed steps")
    ap.add_argument("--warmup", type=int, default=200, help="untimed steps first")
    ap.add_argument("--repeats", type=int, default=3,
                    help="time the steps this many times and report the best")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reuse-fake", action="store_true",
                    help="G step reuses the D step's fake batch (BenchmarkEdwardStep's step)")
    args = ap.parse_args()
    if args.threads < 1 or args.steps < 1 or args.warmup < 0 or args.repeats < 1:
        ap.error("--threads, --steps and --repeats must be positive, --warmup non-negative")

    # Pin BLAS and OpenMP pools before torch loads them.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    batch, latent, g_hidden, d_hidden, pixels = 128, 100, 128, 128, 784
    n_data = 9000

    G = nn.Sequential(nn.Linear(latent, g_hidden), nn.ReLU(),
                      nn.Linear(g_hidden, pixels), nn.Sigmoid())
    D = nn.Sequential(nn.Linear(pixels, d_hidden), nn.ReLU(),
                      nn.Linear(d_hidden, 1))
    for m in list(G) + list(D):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    adam = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    opt_g = torch.optim.Adam(G.parameters(), **adam)
    opt_d = torch.optim.Adam(D.parameters(), **adam)
    bce = nn.BCEWithLogitsLoss()

    data = torch.rand(n_data, pixels)
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)
    d_params = list(D.parameters())
    cursor = [0]

    def next_batch():
        i = cursor[0]
        if i + batch > n_data:
            i = 0
        cursor[0] = i + batch
        return torch.bernoulli(data[i:i + batch])

    def noise():
        return torch.rand(batch, latent).mul_(2).sub_(1)

    def step():
        # Discriminator: real batch labelled 1, fake batch labelled 0.
        x = next_batch()
        if args.reuse_fake:
            fake = G(noise())  # kept with its graph for the G step
        else:
            with torch.no_grad():
                fake = G(noise())
        opt_d.zero_grad(set_to_none=True)
        d_loss = bce(D(x), ones) + bce(D(fake.detach()), zeros)
        d_loss.backward()
        opt_d.step()
        # Generator: non-saturating loss, D frozen (no weight gradients).
        for p in d_params:
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        g_loss = bce(D(fake if args.reuse_fake else G(noise())), ones)
        g_loss.backward()
        opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        return d_loss, g_loss

    for _ in range(args.warmup):
        step()
    best = best_cpu = None
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            d_loss, g_loss = step()
        float(d_loss)  # make sure the work is done (CPU is synchronous anyway)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        best = dt if best is None else min(best, dt)
        best_cpu = dc if best_cpu is None else min(best_cpu, dc)

    flops = step_flops(batch, latent, g_hidden, d_hidden, pixels, args.reuse_fake)
    sps = args.steps / best
    out = {
        "impl": "pytorch",
        "threads": args.threads,
        "step": "reuse-fake" if args.reuse_fake else "fresh-noise",
        "steps_per_sec": round(sps, 2),
        "gflops": round(sps * flops / 1e9, 3),
        "gflop_per_step": round(flops / 1e9, 6),
        # Steps per second of process CPU time: on a shared machine, wall
        # time also counts the time other processes held the core.
        "cpu_time_steps_per_sec": round(args.steps / best_cpu, 2),
        "steps": args.steps,
        "repeats": args.repeats,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "final_d_loss": round(float(d_loss), 4),
        "final_g_loss": round(float(g_loss), 4),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
