#!/usr/bin/python3
"""Markdown table of `gan-train eval --json` results for bench/twin-compare.sh.

Input: a tab-separated manifest, one line per evaluated samples file:
  preset  implementation  seed  train_seconds  eval_json_path
Output (stdout): one row per run and the real-data floor (real_* keys, from
the first report that has them), then per (preset, implementation) the mean
and the min-max spread of every metric.

The metrics are looked up in the eval JSON by name, at any depth, outside any
object whose key names the real-data reference (real, reference, floor,
baseline), so the real-vs-real floor that `gan-train eval` also reports is not
mistaken for the samples' own figures:
  classifier score   classifier_score | score | mnist_score | inception_score
  Frechet distance   frechet_distance | frechet | fd
  modes covered      modes_covered | covered
  Parzen LL          parzen.log_likelihood | parzen_log_likelihood | parzen_ll
                     (its standard error from std_error | stderr beside it)
A metric that is missing is shown as "?" and reported on stderr with the
keys that were present, so a change in the eval contract is visible at once.

Usage: /usr/bin/python3 bench/twin_table.py MANIFEST.tsv
"""

import json
import math
import sys

NAMES = {
    "score": ("classifier_score", "score", "mnist_score", "inception_score"),
    "fd": ("frechet_distance", "frechet", "fd"),
    "modes": ("modes_covered", "covered"),
    "parzen": ("parzen_log_likelihood", "parzen_ll"),
}
SKIP = ("real", "reference", "floor", "baseline")


def _skip(key):
    k = key.lower()
    return any(s == k or k.startswith(s + "_") or k.endswith("_" + s) for s in SKIP)


def find(obj, names):
    """Breadth-first search for the first key in names whose value is a
    number, not descending into reference-data subtrees."""
    queue = [obj]
    while queue:
        cur = queue.pop(0)
        if isinstance(cur, dict):
            for n in names:
                v = cur.get(n)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    return float(v), cur
            for k, v in cur.items():
                if isinstance(v, (dict, list)) and not _skip(k):
                    queue.append(v)
        elif isinstance(cur, list):
            queue.extend(x for x in cur if isinstance(x, (dict, list)))
    return None, None


def find_parzen(obj):
    """The Parzen log-likelihood and its standard error: either flat keys or
    an object named parzen with log_likelihood and std_error."""
    v, holder = find(obj, NAMES["parzen"])
    if v is not None:
        se = holder.get("parzen_std_error", holder.get("parzen_stderr"))
        return v, se
    queue = [obj]
    while queue:
        cur = queue.pop(0)
        if isinstance(cur, dict):
            for k, sub in cur.items():
                if _skip(k) or not isinstance(sub, (dict, list)):
                    continue
                if "parzen" in k.lower() and isinstance(sub, dict):
                    ll = sub.get("log_likelihood", sub.get("mean"))
                    if isinstance(ll, (int, float)):
                        return float(ll), sub.get("std_error", sub.get("stderr"))
                queue.append(sub)
        elif isinstance(cur, list):
            queue.extend(x for x in cur if isinstance(x, (dict, list)))
    return None, None


def keys_of(obj, prefix=""):
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(prefix + k)
            out.extend(keys_of(v, prefix + k + "."))
    return out


def fmt(v, digits):
    return "?" if v is None else f"{v:.{digits}f}"


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows = []
    floor = None  # the real-data floor reported by the first eval that has one
    with open(argv[1]) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                print(f"{argv[1]}:{lineno}: want 5 tab-separated fields, got {len(parts)}", file=sys.stderr)
                return 1
            preset, impl, seed, secs, path = parts
            try:
                with open(path) as jf:
                    doc = json.load(jf)
            except (OSError, ValueError) as e:
                print(f"{path}: {e}", file=sys.stderr)
                doc = {}
            r = {"preset": preset, "impl": impl, "seed": seed,
                 "secs": float(secs) if secs else None}
            r["score"], _ = find(doc, NAMES["score"])
            r["fd"], _ = find(doc, NAMES["fd"])
            r["modes"], _ = find(doc, NAMES["modes"])
            r["parzen"], r["parzen_se"] = find_parzen(doc)
            if floor is None and isinstance(doc, dict) and "real_classifier_score" in doc:
                floor = doc
            missing = [m for m in ("score", "fd", "modes", "parzen") if r[m] is None]
            if missing:
                print(f"{path}: metrics not found: {', '.join(missing)}; keys present: "
                      f"{', '.join(keys_of(doc)) or 'none'}", file=sys.stderr)
            rows.append(r)

    # Group the runs: presets in the order they first appear, then by
    # implementation and seed.
    first = {}
    for r in rows:
        first.setdefault(r["preset"], len(first))
    rows.sort(key=lambda r: (first[r["preset"]], r["impl"], r["seed"]))

    print("| preset | implementation | seed | classifier score | Frechet distance | modes covered | Parzen LL (nats) | train s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        pz = fmt(r["parzen"], 1)
        if r["parzen"] is not None and isinstance(r["parzen_se"], (int, float)):
            pz += f" ± {r['parzen_se']:.1f}"
        print(f"| {r['preset']} | {r['impl']} | {r['seed']} | {fmt(r['score'], 3)} | {fmt(r['fd'], 3)} "
              f"| {fmt(r['modes'], 0)} | {pz} | {fmt(r['secs'], 0)} |")

    if floor is not None:
        g = floor.get
        pz = fmt(g("real_parzen_log_likelihood"), 1)
        if isinstance(g("real_parzen_std_error"), (int, float)):
            pz += f" ± {g('real_parzen_std_error'):.1f}"
        print(f"| real test digits (floor, {g('real_n_samples', '?')} images) | - | - "
              f"| {fmt(g('real_classifier_score'), 3)} | {fmt(g('real_frechet_distance'), 3)} "
              f"| {fmt(g('real_modes_covered'), 0)} | {pz} | - |")

    print()
    print("Mean and [min, max] over seeds:")
    print()
    print("| preset | implementation | runs | classifier score | Frechet distance | modes covered | Parzen LL (nats) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    groups = {}
    for r in rows:
        groups.setdefault((r["preset"], r["impl"]), []).append(r)
    for (preset, impl), rs in groups.items():
        cells = []
        for m, d in (("score", 3), ("fd", 3), ("modes", 1), ("parzen", 1)):
            vs = [r[m] for r in rs if r[m] is not None and math.isfinite(r[m])]
            if not vs:
                cells.append("?")
                continue
            cells.append(f"{sum(vs) / len(vs):.{d}f} [{min(vs):.{d}f}, {max(vs):.{d}f}]")
        print(f"| {preset} | {impl} | {len(rs)} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
