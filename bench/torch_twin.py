#!/usr/bin/python3
"""PyTorch twin of gan-train's seed presets, trained on the same digits.

The twin is the independent check that gan-train computes what the seed
documents describe (issue "Side by side with PyTorch"): it trains the same
networks with the same data split, initialisation scheme and hyperparameters
in PyTorch, then writes generated samples as an IDX file that
`gan-train eval --samples FILE` scores exactly like gan-train's own samples.

Presets (see ../../shared/seeds/README.md):

  edward       seed 000, Edward's GAN tutorial. Batch 128; latent 100 ~
               Uniform(-1,1); G 100 -> 128 ReLU -> 784 sigmoid; D 784 -> 128
               ReLU -> 1 logit; Adam defaults (lr 1e-3, betas 0.9/0.999, eps
               1e-8) for both; each batch binarized with Bernoulli(pixel);
               15,000 steps; non-saturating generator loss.
  tf-tutorial  seed 004, the TensorFlow MNIST GAN. Batch 256; latent 128 ~
               Uniform(-1,1); G 128 -> 256 ReLU -> 784 sigmoid; D 784 -> 128
               ReLU -> 1 sigmoid (computed here from the logit, which is the
               same function, evaluated stably); D loss -mean(log D(x) +
               log(1-D(G(z)))); G loss -mean(log D(G(z))); Adam lr 5e-4 for D
               and 1e-4 for G (other settings TensorFlow's defaults); 20,000
               steps; D updated before G; pixels in [0,1], not binarized.

Both: weights Glorot (Xavier) uniform, biases zero; one D step then one G step
per iteration, each with fresh noise; batches drawn from a seeded permutation
of the training split, reshuffled every epoch, a batch that runs past the end
continuing into the next epoch (TensorFlow's next_batch).

Usage (Debian's interpreter, which python3-torch is installed for):
  /usr/bin/python3 bench/torch_twin.py --preset edward --seed 1 --out s.idx
Options: --steps N (default: the preset's), --threads N (default 1),
--n N samples (default 10000), --data FILE (default the embedded training
split, internal/data/embedded/digits-train-images-idx3-ubyte.gz), --log-every N.
Progress goes to stderr as JSON lines (step, d_loss, g_loss, d_real, d_fake,
steps_per_sec), the names gan-train's metrics.jsonl uses.
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "internal", "data", "embedded", "digits-train-images-idx3-ubyte.gz"))

PRESETS = {
    "edward": dict(batch=128, latent=100, g_hidden=128, d_hidden=128,
                   lr_d=1e-3, lr_g=1e-3, steps=15000, binarize=True),
    "tf-tutorial": dict(batch=256, latent=128, g_hidden=256, d_hidden=128,
                        lr_d=5e-4, lr_g=1e-4, steps=20000, binarize=False),
}


class IDXError(Exception):
    pass


def read_idx_images(path):
    """Reads an IDX ubyte image file (idx3, gzip or raw) and returns
    (count, rows, cols, bytes). Validates the magic number, the dimensions
    and the byte count against the header before using the data."""
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        raw = gzip.GzipFile(fileobj=f).read() if head == b"\x1f\x8b" else f.read()
    if len(raw) < 16:
        raise IDXError(f"{path}: {len(raw)} bytes, too short for an IDX image header")
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != 0x00000803:
        raise IDXError(f"{path}: magic 0x{magic:08x}, want 0x00000803 (ubyte images, 3 dims)")
    if n == 0 or rows == 0 or cols == 0:
        raise IDXError(f"{path}: empty dimensions {n}x{rows}x{cols}")
    want = 16 + n * rows * cols
    if len(raw) != want:
        raise IDXError(f"{path}: {len(raw)} bytes, header {n}x{rows}x{cols} needs {want}")
    return n, rows, cols, raw[16:]


def write_idx_images(path, pixels, rows, cols):
    """Writes pixels (uint8 tensor of n*rows*cols values) as an IDX ubyte
    image file: big-endian magic 0x00000803, n, rows, cols, then the bytes.
    Written to a temporary file and renamed, so nothing is half-written."""
    n = pixels.numel() // (rows * cols)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack(">IIII", 0x00000803, n, rows, cols))
        f.write(pixels.contiguous().view(-1).numpy().tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", required=True, choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, help="training steps (default: the preset's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", required=True, help="samples file to write (IDX ubyte images)")
    ap.add_argument("--n", type=int, default=10000, help="samples to write (default 10000)")
    ap.add_argument("--data", default=DEFAULT_DATA, help="IDX training images (gzip or raw)")
    ap.add_argument("--log-every", type=int, default=1000)
    args = ap.parse_args()
    p = dict(PRESETS[args.preset])
    if args.steps is not None:
        if args.steps <= 0:
            ap.error(f"--steps {args.steps}: must be positive")
        p["steps"] = args.steps
    for name in ("threads", "n", "log_every"):
        if getattr(args, name) <= 0:
            ap.error(f"--{name.replace('_', '-')} {getattr(args, name)}: must be positive")

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    try:
        n_data, rows, cols, raw = read_idx_images(args.data)
    except (OSError, IDXError) as e:
        print(f"torch_twin: training data: {e}", file=sys.stderr)
        return 1
    pixels = rows * cols
    if p["batch"] > n_data:
        print(f"torch_twin: batch {p['batch']} larger than the {n_data} images in {args.data}",
              file=sys.stderr)
        return 1
    data = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(n_data, pixels).float().div_(255)

    batch, latent = p["batch"], p["latent"]
    G = nn.Sequential(nn.Linear(latent, p["g_hidden"]), nn.ReLU(),
                      nn.Linear(p["g_hidden"], pixels), nn.Sigmoid())
    D = nn.Sequential(nn.Linear(pixels, p["d_hidden"]), nn.ReLU(),
                      nn.Linear(p["d_hidden"], 1))
    for m in list(G) + list(D):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)  # global RNG, seeded above
            nn.init.zeros_(m.bias)
    opt_d = torch.optim.Adam(D.parameters(), lr=p["lr_d"], betas=(0.9, 0.999), eps=1e-8)
    opt_g = torch.optim.Adam(G.parameters(), lr=p["lr_g"], betas=(0.9, 0.999), eps=1e-8)
    bce = nn.BCEWithLogitsLoss()
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)
    d_params = list(D.parameters())

    # Epoch-wise seeded shuffling; a batch crossing the end of an epoch takes
    # the rest of this permutation and the start of the next.
    state = {"perm": torch.randperm(n_data, generator=gen), "pos": 0}

    def next_batch():
        idx = []
        need = batch
        while need > 0:
            take = min(need, n_data - state["pos"])
            idx.append(state["perm"][state["pos"]:state["pos"] + take])
            state["pos"] += take
            need -= take
            if state["pos"] == n_data:
                state["perm"] = torch.randperm(n_data, generator=gen)
                state["pos"] = 0
        x = data[torch.cat(idx)]
        if p["binarize"]:
            x = torch.bernoulli(x, generator=gen)
        return x

    def noise(n):
        return torch.rand(n, latent, generator=gen).mul_(2).sub_(1)

    t_log = time.perf_counter()
    for step in range(1, p["steps"] + 1):
        x = next_batch()
        with torch.no_grad():
            fake = G(noise(batch))
        opt_d.zero_grad(set_to_none=True)
        d_real_logit = D(x)
        d_fake_logit = D(fake)
        d_loss = bce(d_real_logit, ones) + bce(d_fake_logit, zeros)
        d_loss.backward()
        opt_d.step()

        for q in d_params:
            q.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        g_loss = bce(D(G(noise(batch))), ones)
        g_loss.backward()
        opt_g.step()
        for q in d_params:
            q.requires_grad_(True)

        if step % args.log_every == 0 or step == p["steps"]:
            now = time.perf_counter()
            n_steps = step % args.log_every or args.log_every
            rec = {
                "step": step,
                "d_loss": round(float(d_loss), 5),
                "g_loss": round(float(g_loss), 5),
                "d_real": round(float(torch.sigmoid(d_real_logit).mean()), 5),
                "d_fake": round(float(torch.sigmoid(d_fake_logit).mean()), 5),
                "steps_per_sec": round(n_steps / (now - t_log), 2),
            }
            t_log = now
            if not all(map(_finite, (rec["d_loss"], rec["g_loss"]))):
                print(f"torch_twin: loss not finite at step {step}: {rec}", file=sys.stderr)
                return 1
            print(json.dumps(rec), file=sys.stderr, flush=True)

    out = []
    with torch.no_grad():
        left = args.n
        while left > 0:
            k = min(left, 1000)
            out.append(G(noise(k)).mul_(255).round_().clamp_(0, 255).to(torch.uint8))
            left -= k
    try:
        write_idx_images(args.out, torch.cat(out), rows, cols)
    except OSError as e:
        print(f"torch_twin: writing samples: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"preset": args.preset, "seed": args.seed, "steps": p["steps"],
                      "samples": args.n, "out": args.out}))
    return 0


def _finite(v):
    return v == v and v not in (float("inf"), float("-inf"))


if __name__ == "__main__":
    sys.exit(main())
