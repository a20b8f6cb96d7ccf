#!/usr/bin/env bash
# cpu-vs-torch.sh: gan-train's CPU backend against PyTorch on the same
# edward-preset training step, measured in one invocation on one machine.
#
# It runs, one after the other (never concurrently, so they do not share cores):
#   1. the Go benchmark BenchmarkEdwardStep in ./internal/cpu/ (each of its GEMM-engine
#      and worker-count sub-benchmarks) with GOMAXPROCS=1 and =2;
#   2. bench/torch_step.py (PyTorch, Debian's python3-torch with OpenBLAS) on
#      one thread, for the trainer's step and for the benchmark's step (whose
#      G update reuses the D step's fake batch: 0.238 instead of 0.267 GFLOP);
#   3. the peak RSS of a 2,000-step CPU training run, if bin/gan-train exists;
# then prints a markdown table with steps/s, GFLOP/s and the Go/PyTorch ratios
# (each Go row against PyTorch running the same step), plus the machine (CPU
# model, cores, load), the date and the versions.
#
# Two more sections (issue 14), each Go run paired with the PyTorch run right
# after or before it:
#   layers   the dense layers of the edward and quality presets, forward and
#            backward, GOMAXPROCS=1 (BenchmarkDenseForward/Backward in ./internal/cpu/,
#            AVX2 engine) against bench/torch_layers.py on one thread, in
#            LAYER_PAIRS pairs; table by bench/layer_table.py;
#   process  whole processes: `gan-train train --preset edward --steps
#            PROC_STEPS` (built from this tree) with the default GOMAXPROCS
#            and with GOMAXPROCS=1, against bench/torch_twin.py training the
#            same networks for the same steps on 1 and on 2 threads, in
#            PROC_PAIRS rounds whose order alternates (Go first, then
#            PyTorch first); medians and min-max of the wall times, ratios of
#            the medians; plus start-up: the time from launch to the log line
#            of step 1 of a 1-step run, and that run's whole wall time. GO_BASE names an
#            optional second gan-train binary (e.g. built from the tree before
#            a change) timed in the same rounds.
#
# Usage: bench/cpu-vs-torch.sh            (from anywhere; all sections, ~10 min)
#        SECTIONS="layers process" bench/cpu-vs-torch.sh
# Environment:
#   SECTIONS    which sections to run (default "step layers process")
#   LAYER_PAIRS, LAYER_BENCHTIME   per-layer pairs (default 3) and go test
#               -benchtime per sub-benchmark (default 0.3s)
#   PROC_PAIRS, PROC_STEPS         whole-process rounds (default 3) and steps
#               (default 1500); GO_BASE: see above; PROC_TORCH_THREADS: the
#               PyTorch thread counts timed (default "1 2"; on a loaded 2-core
#               machine 2 threads took 15 times as long as 1)
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

SECTIONS=${SECTIONS:-step layers process}
LAYER_PAIRS=${LAYER_PAIRS:-3}
LAYER_BENCHTIME=${LAYER_BENCHTIME:-0.3s}
PROC_PAIRS=${PROC_PAIRS:-3}
PROC_STEPS=${PROC_STEPS:-1500}
GO_BASE=${GO_BASE:-}
PROC_TORCH_THREADS=${PROC_TORCH_THREADS:-1 2}

# build_cpu_test builds ./internal/cpu/'s test binary once; every section uses it.
build_cpu_test() {
    [[ -x $tmp/cpu.test ]] && return 0
    if ! go test -c -o "$tmp/cpu.test" ./internal/cpu/ >"$tmp/build.log" 2>&1; then
        echo "building the cpu test binary failed:" >&2
        cat "$tmp/build.log" >&2
        return 1
    fi
}
has() { [[ " $SECTIONS " == *" $1 "* ]]; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.3f", a / b }'; }

step_section() {
echo
echo "== Go: BenchmarkEdwardStep (./internal/cpu/), benchtime $BENCHTIME"
: >"$tmp/go.rows"
if grep -qs 'func BenchmarkEdwardStep' internal/cpu/*_test.go; then
    if build_cpu_test; then
        go_rows 1
        go_rows 2
    fi
else
    echo "BenchmarkEdwardStep not found in internal/cpu/*_test.go: Go rows skipped"
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
}

# layers_section: LAYER_PAIRS pairs of (Go per-layer benchmarks, PyTorch
# per-layer times), GOMAXPROCS=1 and one PyTorch thread, the order within a
# pair alternating.
layers_section() {
    echo
    echo "== per layer: BenchmarkDenseForward/Backward (avx2, GOMAXPROCS=1, benchtime $LAYER_BENCHTIME) against bench/torch_layers.py --threads 1, $LAYER_PAIRS pairs"
    build_cpu_test || return
    local d=$tmp/layers n
    mkdir -p "$d"
    go_layers() {
        GOMAXPROCS=1 "$tmp/cpu.test" -test.run '^$' -test.bench '^BenchmarkDense(Forward|Backward)$/^avx2/' \
            -test.benchtime "$LAYER_BENCHTIME" -test.cpu 1 >"$d/go.$1.txt" 2>&1
    }
    torch_layers() {
        "$PYTHON" bench/torch_layers.py --threads 1 --seconds 0.3 --repeats 3 >"$d/torch.$1.jsonl"
    }
    for ((n = 1; n <= LAYER_PAIRS; n++)); do
        if ((n % 2)); then go_layers "$n"; torch_layers "$n"; else torch_layers "$n"; go_layers "$n"; fi
        echo "pair $n done, load $(cut -d' ' -f1-3 /proc/loadavg)"
    done
    echo
    echo "load average (after layers): $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    "$PYTHON" bench/layer_table.py "$d" "$LAYER_PAIRS"
    echo
    echo "Ratio: PyTorch's time over gan-train's (= gan-train's GFLOP/s over PyTorch's); issue 14's target is >= 0.8."
}

# process_section: whole training processes, PROC_PAIRS rounds of
# gan-train (default GOMAXPROCS, GOMAXPROCS=1[, GO_BASE]) and PyTorch
# (1 and 2 threads), the order alternating between rounds.
process_section() {
    echo
    echo "== whole process: edward preset, $PROC_STEPS steps, $PROC_PAIRS rounds"
    if [[ ! -x /usr/bin/time ]]; then
        echo "skipped: /usr/bin/time missing (apt-get install time)"
        return
    fi
    local d=$tmp/proc n
    mkdir -p "$d"
    if ! go build -o "$d/gan-train" ./cmd/gan-train 2>"$d/build.log"; then
        echo "building gan-train failed:" >&2
        cat "$d/build.log" >&2
        return
    fi
    : >"$d/times"
    # timed LABEL CMD...: appends "LABEL wall user sys maxrss_kb" to $d/times.
    timed() {
        local label=$1 rc=0
        shift
        /usr/bin/time -f "%e %U %S %M" -o "$d/t" "$@" >"$d/log" 2>&1 || rc=$?
        if ((rc != 0)); then
            echo "$label failed (exit $rc):" >&2
            tail -n 20 "$d/log" >&2
            return
        fi
        echo "$label $(tail -n 1 "$d/t")" | tee -a "$d/times"
    }
    gt() { # gt BIN LABEL [GOMAXPROCS]
        local out
        out=$(mktemp -d -p "$d")
        if [[ -n ${3:-} ]]; then
            timed "$2" env GOMAXPROCS="$3" "$1" train --preset edward --steps "$PROC_STEPS" --out "$out/run" --listen '' --device cpu --fresh
        else
            timed "$2" "$1" train --preset edward --steps "$PROC_STEPS" --out "$out/run" --listen '' --device cpu --fresh
        fi
        rm -rf "$out"
    }
    py() { # py THREADS
        timed "pytorch-threads=$1" "$PYTHON" bench/torch_twin.py --preset edward --steps "$PROC_STEPS" \
            --threads "$1" --n 100 --out "$d/samples.idx" --log-every "$PROC_STEPS"
    }
    go_all() {
        gt "$d/gan-train" gan-train-default
        gt "$d/gan-train" gan-train-gomaxprocs=1 1
        if [[ -n $GO_BASE ]]; then
            gt "$GO_BASE" base-default
            gt "$GO_BASE" base-gomaxprocs=1 1
        fi
    }
    py_all() {
        local t
        for t in $PROC_TORCH_THREADS; do py "$t"; done
    }
    for ((n = 1; n <= PROC_PAIRS; n++)); do
        echo "round $n, load $(cut -d' ' -f1-3 /proc/loadavg)"
        if ((n % 2)); then go_all; py_all; else py_all; go_all; fi
    done
    # Start-up: a 1-step run (embedded data, networks, one step, final
    # checkpoint and sample grid), three times.
    # The first-step latency is the time from the launch to the log line of
    # step 1 (its time= field, UTC with milliseconds).
    local start_out t0 ts
    : >"$d/first"
    for ((n = 1; n <= 3; n++)); do
        start_out=$(mktemp -d -p "$d")
        t0=$(date +%s.%N)
        timed startup-1-step "$d/gan-train" train --preset edward --steps 1 --out "$start_out/run" --listen '' --device cpu --fresh
        ts=$(grep -m1 'msg=step' "$d/log" | sed -n 's/^time=\([^ ]*\) .*/\1/p')
        if [[ -n $ts ]]; then
            echo "first-step $(awk -v a="$(date -u -d "$ts" +%s.%N)" -v b="$t0" 'BEGIN{printf "%.3f", a-b}')" | tee -a "$d/first"
        fi
        rm -rf "$start_out"
    done
    echo
    echo "load average (after process): $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    "$PYTHON" - "$d/times" "$d/first" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 5:
        rows.setdefault(f[0], []).append([float(v) for v in f[1:]])
def med(label, i=0):
    return statistics.median(r[i] for r in rows[label]) if label in rows else None
print("| process | runs | wall s, median [min-max] | CPU s (user+sys), median | peak RSS MB, max |")
print("| --- | --- | --- | --- | --- |")
for label, rs in rows.items():
    w = [r[0] for r in rs]
    c = statistics.median(r[1] + r[2] for r in rs)
    print(f"| {label} | {len(rs)} | {statistics.median(w):.2f} [{min(w):.2f}-{max(w):.2f}] | {c:.2f} | {max(r[3] for r in rs) / 1024:.1f} |")
print()
p1, p2 = med("pytorch-threads=1"), med("pytorch-threads=2")
best = min(x for x in (p1, p2) if x is not None) if (p1 or p2) else None
def ratio(label, ref, what, goal):
    g = med(label)
    if g is None or ref is None:
        return
    r = ref / g
    print(f"- {label}: {what} / gan-train = {ref:.2f} s / {g:.2f} s = **{r:.2f}x** (goal >= {goal}x: {'met' if r >= goal else 'not met'})")
ratio("gan-train-default", best, "PyTorch best thread count (median)", 2.0)
ratio("gan-train-gomaxprocs=1", p1, "PyTorch 1 thread (median)", 1.5)
ratio("base-default", best, "PyTorch best thread count (median)", 2.0)
ratio("base-gomaxprocs=1", p1, "PyTorch 1 thread (median)", 1.5)
if "base-default" in rows:
    print(f"- this tree against GO_BASE, default GOMAXPROCS: {med('base-default') / med('gan-train-default'):.2f}x; GOMAXPROCS=1: {med('base-gomaxprocs=1') / med('gan-train-gomaxprocs=1'):.2f}x")
first = [float(l.split()[1]) for l in open(sys.argv[2]) if l.startswith("first-step ")]
if first:
    m = statistics.median(first)
    print(f"- start-up, launch to the log line of step 1 (data, networks, first step): median {m:.3f} s "
          f"[{min(first):.3f}-{max(first):.3f}] (goal < 0.3 s: {'met' if m < 0.3 else 'not met'})")
if "startup-1-step" in rows:
    print(f"- whole 1-step run (also writes the checkpoint, grid and run report): median {med('startup-1-step'):.3f} s wall")
PY
}

has step && step_section
has layers && layers_section
has process && process_section
exit 0
