#!/usr/bin/python3
"""Per-layer table of bench/cpu-vs-torch.sh: gan-train's dense layers against
PyTorch, from paired runs.

Usage: layer_table.py DIR PAIRS
DIR holds go.N.txt (output of `cpu.test -test.bench 'BenchmarkDense(Forward|
Backward)'`) and torch.N.jsonl (output of bench/torch_layers.py) for each
pair N = 1..PAIRS, the two of a pair measured one right after the other.
For each layer and pass it prints the best (least disturbed) wall-clock time
of each side over all pairs, the ratio of the two bests, the median and range
of the per-pair ratios, and the ratio of the best CPU times (cpu-ns/op of the
Go benchmark, cpu_ns_per_op of torch_layers.py). A ratio is PyTorch's time over gan-train's: above 1,
gan-train is faster (it equals gan-train's GFLOP/s over PyTorch's).
"""

import json
import re
import statistics
import sys

GO_LINE = re.compile(r"^BenchmarkDense(Forward|Backward)/([^/\s]+)/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op")
GO_CPU = re.compile(r"([\d.]+) cpu-ns/op")


def read_go(path):
    out = {}
    with open(path) as f:
        for line in f:
            m = GO_LINE.match(line)
            if m:
                pas = m.group(1).lower()
                c = GO_CPU.search(line)
                out[(m.group(2), m.group(3), pas)] = (float(m.group(4)), float(c.group(1)) if c else None)
    return out


def read_torch(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                out[(r["layer"], r["pass"])] = (float(r["ns_per_op"]), r.get("cpu_ns_per_op"))
    return out


def flops(name, pas):
    b, i, o = (int(v) for v in name.split("_")[1].split("x"))
    return (2 if pas == "forward" else 4) * b * i * o


def main():
    d, pairs = sys.argv[1], int(sys.argv[2])
    gos = [read_go(f"{d}/go.{n}.txt") for n in range(1, pairs + 1)]
    tos = [read_torch(f"{d}/torch.{n}.jsonl") for n in range(1, pairs + 1)]
    keys = sorted({k for g in gos for k in g}, key=lambda k: (k[0], k[2] != "forward", k[1][0] == "q", k[1]))
    print("| engine | layer | pass | gan-train us | GFLOP/s | PyTorch us | GFLOP/s | ratio | per-pair ratio, median [min-max] "
          "| CPU-time ratio | >= 0.8 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for eng, layer, pas in keys:
        g = [x[(eng, layer, pas)] for x in gos if (eng, layer, pas) in x]
        t = [x[(layer, pas)] for x in tos if (layer, pas) in x]
        rs = [x[(layer, pas)][0] / y[(eng, layer, pas)][0] for x, y in zip(tos, gos)
              if (layer, pas) in x and (eng, layer, pas) in y]
        if not g or not t:
            continue
        gb, tb = min(v[0] for v in g), min(v[0] for v in t)
        gc = [v[1] for v in g if v[1]]
        tc = [v[1] for v in t if v[1]]
        cpu = f"{min(tc) / min(gc):.2f}" if gc and tc else "n/a"
        fl = flops(layer, pas)
        ratio = tb / gb
        rng = f"{statistics.median(rs):.2f} [{min(rs):.2f}-{max(rs):.2f}]" if rs else "n/a"
        print(f"| {eng} | {layer} | {pas} | {gb / 1e3:,.1f} | {fl / gb:.1f} | {tb / 1e3:,.1f} | {fl / tb:.1f} | "
              f"{ratio:.2f} | {rng} | {cpu} | {'yes' if ratio >= 0.8 else 'no'} |")
    print()
    print("gan-train us and PyTorch us: the best wall-clock time per op over the pairs; ratio: PyTorch's")
    print("best over gan-train's best (= gan-train's GFLOP/s over PyTorch's); CPU-time ratio: the same")
    print("with the best process CPU time per op of each side (what each ran, whatever else held the core).")


if __name__ == "__main__":
    main()
