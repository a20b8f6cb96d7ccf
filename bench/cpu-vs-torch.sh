#!/usr/bin/env bash
# cpu-vs-torch.sh: gan-train's CPU backend against PyTorch on the same
# edward-preset training step, measured in one invocation on one machine.
#
# It runs, one after the other (never concurrently, so they do not share cores):
#   1. the Go benchmark BenchmarkEdwardStep in ./cpu/ with GOMAXPROCS=1 and =2;
#   2. bench/torch_step.py (PyTorch, Debian's python3-torch with OpenBLAS) on
#      one thread;
#   3. the peak RSS of a 2,000-step CPU training run, if bin/gan-train exists;
# then prints a markdown table with steps/s, GFLOP/s and the Go/PyTorch ratios,
# plus the machine (CPU model, cores, load), the date and the versions.
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

# The FLOP count of one step comes from torch_step.py's step_flops, so both
# sides use the same figure.
flop_per_step=$("$PYTHON" -c 'import sys; sys.path.insert(0, "bench"); import torch_step as t; print(t.step_flops(128, 100, 128, 128, 784))')

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

# go_sps N: steps/s of BenchmarkEdwardStep with GOMAXPROCS=N, or "n/a".
# It takes the "steps/s" metric when the benchmark reports one, otherwise
# 1e9/ns-per-op (one op being one step).
go_sps() {
    local n=$1 out
    if ! out=$(GOMAXPROCS=$n "$tmp/cpu.test" -test.run '^$' -test.bench '^BenchmarkEdwardStep$' \
        -test.benchtime "$BENCHTIME" -test.cpu "$n" 2>&1); then
        echo "go benchmark with GOMAXPROCS=$n failed:" >&2
        echo "$out" >&2
        echo n/a
        return
    fi
    echo "$out" | grep '^BenchmarkEdwardStep' >&2 || true
    echo "$out" | awk '/^BenchmarkEdwardStep/ {
        for (i = 2; i <= NF; i++) {
            if ($i == "steps/s") sps = $(i-1)
            if ($i == "ns/op") ns = $(i-1)
        }
    } END {
        if (sps != "") print sps
        else if (ns != "") printf "%.2f\n", 1e9 / ns
        else print "n/a"
    }'
}

echo
echo "== Go: BenchmarkEdwardStep (./cpu/), benchtime $BENCHTIME"
go1=n/a
go2=n/a
if grep -qs 'func BenchmarkEdwardStep' cpu/*_test.go; then
    # Build the test binary once; both runs use the same binary.
    if go test -c -o "$tmp/cpu.test" ./cpu/ >"$tmp/build.log" 2>&1; then
        go1=$(go_sps 1)
        go2=$(go_sps 2)
    else
        echo "building the cpu test binary failed:" >&2
        cat "$tmp/build.log" >&2
    fi
else
    echo "BenchmarkEdwardStep not found in cpu/*_test.go: Go rows skipped"
fi

echo
echo "== PyTorch: bench/torch_step.py --threads 1 --steps $TORCH_STEPS"
torch_json=$("$PYTHON" bench/torch_step.py --threads 1 --steps "$TORCH_STEPS")
echo "$torch_json"
pt=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["steps_per_sec"])' "$torch_json")

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
gflops() { awk -v s="$1" -v f="$flop_per_step" 'BEGIN { if (s == "n/a") print "n/a"; else printf "%.1f", s * f / 1e9 }'; }

echo
echo "load average (after): $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "GFLOP per step (matrix products, from the shapes): $(awk -v f="$flop_per_step" 'BEGIN{printf "%.4f", f/1e9}')"
echo
echo "| implementation | threads | steps/s | GFLOP/s | ratio to PyTorch (1 thread) |"
echo "| --- | --- | --- | --- | --- |"
echo "| gan-train cpu backend | GOMAXPROCS=1 | $go1 | $(gflops "$go1") | $(ratio "$go1" "$pt") |"
echo "| gan-train cpu backend | GOMAXPROCS=2 | $go2 | $(gflops "$go2") | $(ratio "$go2" "$pt") |"
echo "| PyTorch $torch_version + OpenBLAS | 1 | $pt | $(gflops "$pt") | 1.000 |"
echo
echo "peak RSS of a $RSS_STEPS-step edward CPU run: $rss"
