#!/usr/bin/env python3
"""Throughput of the edward-preset GAN step in PyTorch on a CUDA GPU: the
reference gan-train's CUDA backend is measured against.

The step is the one bench/torch_step.py times on the CPU (seed 000, Edward's
GAN tutorial; gan-train's `edward` preset):

  batch 128, latent 100 ~ Uniform(-1, 1)
  G: Linear(100, 128) ReLU -> Linear(128, 784) sigmoid
  D: Linear(784, 128) ReLU -> Linear(128, 1) logit
  Adam(lr 1e-3, betas 0.9/0.999, eps 1e-8) for each network
  one step = D update on a real batch (gathered from a 9000x784 data set on
             the GPU and Bernoulli-binarized) and a fake batch with
             BCE-with-logits (real 1, fake 0), then a G update with the
             non-saturating loss -log D(G(z)) on fresh noise; D's weights
             get no gradient in the G update.

Configurations: "edward" (batch 128, hidden 128) and "large" (batch 4096,
hidden 1024), each run
  eager     plain PyTorch, fused Adam
  compiled  torch.compile(step, mode="reduce-overhead") (Inductor kernels
            replayed through CUDA graphs), capturable Adam
Each prints one JSON line {"config", "mode", "steps_per_sec", ...}; a mode
that fails reports its error instead of stopping the others.

  python3 bench/gpu/torch_ref.py [--steps 2000] [--out FILE]
"""

import argparse
import json
import sys
import time
import traceback


def step_flops(batch, latent, hidden, pixels):
    """Matrix-product FLOPs (2 per multiply-add) of one step; see
    bench/gpu/FLOOR.md for the derivation."""
    def mm(m, k, n):
        return 2 * m * k * n
    g_fwd = mm(batch, latent, hidden) + mm(batch, hidden, pixels)
    d_fwd = mm(batch, pixels, hidden) + mm(batch, hidden, 1)
    d_bwd_w = mm(pixels, batch, hidden) + mm(hidden, batch, 1)
    d_bwd_dx2 = mm(batch, 1, hidden)
    d_bwd_dx1 = mm(batch, hidden, pixels)
    g_bwd = mm(hidden, batch, pixels) + mm(batch, pixels, hidden) + mm(latent, batch, hidden)
    d_step = g_fwd + 2 * d_fwd + 2 * (d_bwd_w + d_bwd_dx2)
    g_step = g_fwd + d_fwd + d_bwd_dx2 + d_bwd_dx1 + g_bwd
    return d_step + g_step


def build(torch, nn, batch, hidden, compiled):
    latent, pixels, n_data = 100, 784, 9000
    dev = torch.device("cuda")
    G = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                      nn.Linear(hidden, pixels), nn.Sigmoid()).to(dev)
    D = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(),
                      nn.Linear(hidden, 1)).to(dev)
    for m in list(G) + list(D):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    adam = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    if compiled:
        adam["capturable"] = True
    else:
        adam["fused"] = True
    g_params, d_params = list(G.parameters()), list(D.parameters())
    opt_g = torch.optim.Adam(g_params, **adam)
    opt_d = torch.optim.Adam(d_params, **adam)
    bce = nn.BCEWithLogitsLoss()
    data = torch.rand(n_data, pixels, device=dev)
    # One fixed batch of row numbers: the gather costs the same for any batch.
    rows = torch.randperm(n_data, device=dev)[:batch]
    ones = torch.ones(batch, 1, device=dev)
    zeros = torch.zeros(batch, 1, device=dev)

    def step():
        x = torch.bernoulli(data.index_select(0, rows))
        z = torch.rand(batch, latent, device=dev) * 2 - 1
        fake = G(z).detach()
        d_loss = bce(D(x), ones) + bce(D(fake), zeros)
        d_grads = torch.autograd.grad(d_loss, d_params)
        for p, g in zip(d_params, d_grads):
            p.grad = g
        opt_d.step()
        z = torch.rand(batch, latent, device=dev) * 2 - 1
        g_loss = bce(D(G(z)), ones)
        g_grads = torch.autograd.grad(g_loss, g_params)  # no D weight gradients
        for p, g in zip(g_params, g_grads):
            p.grad = g
        opt_g.step()
        return d_loss.detach(), g_loss.detach()

    return step


def run(torch, nn, config, batch, hidden, mode, steps, warmup):
    step = build(torch, nn, batch, hidden, mode == "compiled")
    if mode == "compiled":
        step = torch.compile(step, mode="reduce-overhead")
    t0 = time.perf_counter()
    for _ in range(warmup):
        out = step()
    torch.cuda.synchronize()
    warm_s = time.perf_counter() - t0
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(steps):
            out = step()
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    flops = step_flops(batch, 100, hidden, 784)
    sps = steps / best
    return {
        "config": config, "mode": mode, "batch": batch, "hidden": hidden,
        "steps_per_sec": round(sps, 1),
        "us_per_step": round(1e6 / sps, 2),
        "tflops": round(sps * flops / 1e12, 3),
        "gflop_per_step": round(flops / 1e9, 4),
        "steps": steps, "warmup_s": round(warm_s, 2),
        "d_loss": round(float(out[0]), 4), "g_loss": round(float(out[1]), 4),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000, help="timed steps for edward (large runs a tenth)")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--out", help="also write the JSON lines to this file")
    ap.add_argument("--modes", default="eager,compiled")
    args = ap.parse_args()

    import torch
    from torch import nn
    if not torch.cuda.is_available():
        print(json.dumps({"error": "no CUDA device visible to torch"}))
        return 1
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = False  # FP32, like gan-train
    torch.backends.cudnn.allow_tf32 = False
    meta = {"torch": torch.__version__, "python": sys.version.split()[0],
            "device": torch.cuda.get_device_name(0)}
    print(json.dumps(meta), flush=True)
    lines = [meta]
    for config, batch, hidden, steps in [("edward", 128, 128, args.steps),
                                         ("large", 4096, 1024, max(1, args.steps // 10))]:
        for mode in args.modes.split(","):
            try:
                res = run(torch, nn, config, batch, hidden, mode, steps, args.warmup)
            except Exception as e:  # report and go on with the other modes
                res = {"config": config, "mode": mode, "error": repr(e)[:500]}
                traceback.print_exc()
            print(json.dumps(res), flush=True)
            lines.append(res)
    if args.out:
        with open(args.out, "w") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
