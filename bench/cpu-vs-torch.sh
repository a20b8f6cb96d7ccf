#!/usr/bin/env bash
# cpu-vs-torch.sh: gan-train's CPU backend against PyTorch on the same
# edward-preset training step, measured in one invocation on one machine.
#
# It runs, one after the other (never concurrently, so they do not share cores):
#   1. the Go benchmark BenchmarkEdwardStep in ./cpu/ (each of its GEMM-engine
#      and worker-count sub-benchmarks) with GOMAXPROCS=1 and =2;
#   2. bench/torch_step.py (PyTorch, Debian's python3-torch with OpenBLAS) on
#      one thread, for the trainer's step and for the benchmark's step (whose
#      G update reuses the D step's fake batch: 0.238 instead of 0.267 GFLOP);
#   3. the peak RSS of a 2,000-step CPU training run, if bin/gan-train exists;
# then prints a markdown table with steps/s, GFLOP/s and the Go/PyTorch ratios
# (each Go row against PyTorch running the same step), plus the machine (CPU
# model, cores, load), the date and the versions.
#
# Usage: bench/cpu-vs-torch.sh            (from anywhere; about 1-2 minutes)
# Environment:
#   BENCHTIME   go test -benchtime value (default 3s)
#   TORCH_STEPS timed steps per PyTorch repeat (default 2000)
#   PYTHON      interpreter with torch (default /usr/bin/python3: Debian's
#               python3-torch is installed for it, not for a pyenv python)
#   RSS_STEPS   steps of the peak-RSS training run (default 2000)
#
# Needs: go, /usr/bin/python3 with torch (apt-get install python3-torch
# libopenblas0-pthread), /usr/bin/time for the RSS row (apt-get install time).
# The figures depend on what else runs on the machine: the load average is
# printed with them; compare runs only from the same machine and load.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-3s}
TORCH_STEPS=${TORCH_STEPS:-2000}
PYTHON=${PYTHON:-/usr/bin/python3}
RSS_STEPS=${RSS_STEPS:-2000}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine"
model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
echo "cpu: ${model:-unknown}"
echo "nproc: $(nproc)"
echo "load average (before): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "go: $(go version)"
torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo "not installed")
echo "torch: $torch_version ($PYTHON)"
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)
echo "libblas.so.3: $blas"
echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

# go_rows N: runs every BenchmarkEdwardStep sub-benchmark (GEMM engine x
# worker count) with GOMAXPROCS=N and appends "N name steps/s GFLOP/s" lines
# to $tmp/go.rows, taking the benchmark's own steps/s and GFLOP/s metrics
# (steps/s falls back to 1e9/ns-per-op, one op being one step).
go_rows() {
    local n=$1 out
    if ! out=$(GOMAXPROCS=$n "$tmp/cpu.test" -test.run '^$' -test.bench '^BenchmarkEdwardStep$' \
        -test.benchtime "$BENCHTIME" -test.cpu "$n" 2>&1); then
        echo "go benchmark with GOMAXPROCS=$n failed:" >&2
        echo "$out" >&2
        return
    fi
    echo "$out" | grep '^BenchmarkEdwardStep' || true
    echo "$out" | awk -v n="$n" '/^BenchmarkEdwardStep/ {
        sps = ""; gf = "n/a"; ns = ""
        for (i = 2; i <= NF; i++) {
            if ($i == "steps/s") sps = $(i-1)
            if ($i == "GFLOP/s") gf = $(i-1)
            if ($i == "ns/op") ns = $(i-1)
        }
        if (sps == "" && ns != "") sps = sprintf("%.2f", 1e9 / ns)
        name = $1; sub(/^BenchmarkEdwardStep\/?/, "", name); sub(/-[0-9]+$/, "", name)
        if (name == "") name = "-"
        print n, name, sps, gf
    }' >>"$tmp/go.rows"
}

echo
echo "== Go: BenchmarkEdwardStep (./cpu/), benchtime $BENCHTIME"
: >"$tmp/go.rows"
if grep -qs 'func BenchmarkEdwardStep' cpu/*_test.go; then
    # Build the test binary once; both runs use the same binary.
    if go test -c -o "$tmp/cpu.test" ./cpu/ >"$tmp/build.log" 2>&1; then
        go_rows 1
        go_rows 2
    else
        echo "building the cpu test binary failed:" >&2
        cat "$tmp/build.log" >&2
    fi
else
    echo "BenchmarkEdwardStep not found in cpu/*_test.go: Go rows skipped"
fi

# PyTorch twice: the trainer's step (fresh noise for the G update) and the
# step BenchmarkEdwardStep times (the G update reuses the D step's fake
# batch, one G forward pass fewer). Go is compared with the latter.
echo
echo "== PyTorch: bench/torch_step.py --threads 1 --steps $TORCH_STEPS [--reuse-fake]"
torch_fresh=$("$PYTHON" bench/torch_step.py --threads 1 --steps "$TORCH_STEPS")
echo "$torch_fresh"
torch_reuse=$("$PYTHON" bench/torch_step.py --threads 1 --steps "$TORCH_STEPS" --reuse-fake)
echo "$torch_reuse"
jget() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
pt_fresh=$(jget "$torch_fresh" steps_per_sec)
pt_fresh_gf=$(jget "$torch_fresh" gflops)
pt_reuse=$(jget "$torch_reuse" steps_per_sec)
pt_reuse_gf=$(jget "$torch_reuse" gflops)
pt_fresh_cpu=$(jget "$torch_fresh" cpu_time_steps_per_sec)
pt_reuse_cpu=$(jget "$torch_reuse" cpu_time_steps_per_sec)
gflop_fresh=$(jget "$torch_fresh" gflop_per_step)
gflop_reuse=$(jget "$torch_reuse" gflop_per_step)

rss="skipped: bin/gan-train not built (run make build or go build -o bin/gan-train ./cmd/gan-train)"
if [[ -x bin/gan-train ]]; then
    if [[ -x /usr/bin/time ]]; then
        echo
        echo "== peak RSS: bin/gan-train train --preset edward --steps $RSS_STEPS"
        rundir=$(mktemp -d -p "$tmp")
        if /usr/bin/time -v bin/gan-train train --preset edward --steps "$RSS_STEPS" \
            --out "$rundir" --listen '' >"$tmp/train.log" 2>"$tmp/time.log"; then
            kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tmp/time.log")
            wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$tmp/time.log")
            rss="$kb KiB ($(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}') MiB), wall $wall, GOMAXPROCS default ($(nproc) cores)"
        else
            rss="training run failed (see below)"
            tail -n 20 "$tmp/train.log" "$tmp/time.log" >&2
        fi
    else
        rss="skipped: /usr/bin/time missing (apt-get install time)"
    fi
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.3f", a / b }'; }

echo
echo "load average (after): $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "GFLOP per step (matrix products, counted from the shapes): trainer's step $gflop_fresh;"
echo "BenchmarkEdwardStep's step (G update reuses the D step's fake batch) $gflop_reuse."
echo
echo "| implementation | step | threads | steps/s | GFLOP/s | ratio to PyTorch, same step | steps per CPU-second |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
if [[ -s $tmp/go.rows ]]; then
    while read -r n name sps gf; do
        echo "| gan-train cpu backend ($name) | reuse-fake | GOMAXPROCS=$n | $sps | $gf | $(ratio "$sps" "$pt_reuse") | n/a |"
    done <"$tmp/go.rows"
else
    echo "| gan-train cpu backend | - | - | n/a | n/a | n/a | n/a |"
fi
echo "| PyTorch $torch_version + OpenBLAS | reuse-fake | 1 | $pt_reuse | $pt_reuse_gf | 1.000 | $pt_reuse_cpu |"
echo "| PyTorch $torch_version + OpenBLAS | fresh-noise (trainer's) | 1 | $pt_fresh | $pt_fresh_gf | - | $pt_fresh_cpu |"
echo
echo "steps/s and GFLOP/s are wall-clock figures. Steps per CPU-second (process CPU time,"
echo "PyTorch only) shows how much of the wall time other processes took on this shared machine."
echo "A name ending in #01 is a second sub-benchmark that Go named like the one before it"
echo "(the default worker count resolved to the same number)."
echo
echo "peak RSS of a $RSS_STEPS-step edward CPU run: $rss"
