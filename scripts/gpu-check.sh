#!/bin/bash
# gpu-check.sh: everything gan-train checks on a CUDA device, as one
# prepared run that fits the device machine's limits (at most 10 minutes a
# command). It stops starting new work at an internal deadline (480 s by
# default) and writes each result row to $OUT/rows.tsv the moment it is
# measured, so a run killed from outside keeps every row it finished.
#
# There is no Go on the device machine: everything is built beforehand and
# carried in bin/ (see bench/gpu/README.md for the exact commands):
#
#   make gpu-check-bins   # bin/gpu.test, bin/gan-train-cuda (cuda build, libcuda stub)
#
# Then, on the device, from the repository root:
#
#   OUT=$OUT scripts/gpu-check.sh
#
# Order (most important first, so that a short budget still answers it):
#   1. conformance and agreement: bin/gpu.test on the backend suites, the
#      CPU-agreement tests of ops and of the trainer, graphs, error flags
#   2. a short training run through bin/gan-train-cuda (edward preset)
#   3. the step benchmark: bin/gpu.test's BenchmarkEdwardStep (eager and
#      graph, edward and large sizes) and bench/gpu/torch_ref.py (PyTorch
#      eager and torch.compile) on the same step, side by side
#   4. extras, while time is left: the rest of bin/gpu.test,
#      compute-sanitizer memcheck and racecheck, the quality preset and a
#      short LAPGAN run
#
# --dry-run runs the same script on a machine without a GPU, with the
# emulated device's builds (bin/gpu-emu.test, bin/gan-train-emu: make
# gpu-check-bins EMU=1) and fewer steps, to check the script itself and
# its time budget on the CPU side.
set -u

DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # absolute: the script changes directory below
runs=$(mktemp -d)       # the training runs' directories, removed at the end
trap 'rm -rf "$runs"' EXIT
DEADLINE=${DEADLINE:-480} # seconds from start; no step starts past it
STEPS=${STEPS:-2000}
cd "$(dirname "$0")/.." || exit 1
start=$SECONDS

TEST=bin/gpu.test
TRAIN=bin/gan-train-cuda
if [ "$DRY" = 1 ]; then
	TEST=bin/gpu-emu.test
	TRAIN=bin/gan-train-emu
	STEPS=${DRY_STEPS:-20}
fi
BENCH='EdwardStep'
[ "$DRY" = 1 ] && BENCH='EdwardStep/edward' # the large step takes minutes emulated

ROWS="$OUT/rows.tsv"
: >"$ROWS"
# row NAME RESULT: one line, written at once (tab-separated: seconds since
# start, name, result).
row() {
	printf '%s\t%s\t%s\n' "$((SECONDS - start))" "$1" "$2" >>"$ROWS"
	printf '%-40s %s\n' "$1" "$2"
}

# budget WANT: prints the seconds a step may take (WANT, or what is left
# before the deadline less a margin), or nothing when too little is left.
budget() {
	local left=$((DEADLINE - (SECONDS - start) - 5))
	if [ "$left" -lt 15 ]; then
		return 1
	fi
	if [ "$1" -lt "$left" ]; then echo "$1"; else echo "$left"; fi
}

{
	echo "# gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) dry-run=$DRY deadline=${DEADLINE}s steps=$STEPS"
	echo "# revision $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || true
	command -v compute-sanitizer nvcc python3 2>&1
} >"$OUT/env.txt"
gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1)
row "device" "${gpu:-no nvidia-smi: no GPU visible}"

if [ ! -x "$TEST" ]; then
	row "setup" "FAIL: $TEST missing (build it where Go is and carry bin/: make gpu-check-bins)"
	exit 2
fi

# passfail LOG RC: "PASS (n pass)" or "FAIL rc=N (n pass, m fail: names)".
passfail() {
	local p f names
	p=$(grep -c '^\s*--- PASS' "$1")
	f=$(grep -c '^\s*--- FAIL' "$1")
	names=$(grep '^\s*--- FAIL' "$1" | awk '{print $3}' | head -n 4 | tr '\n' ' ')
	if [ "$2" -eq 0 ]; then
		echo "PASS ($p pass)"
	elif grep -q 'panic: test timed out' "$1" || [ "$2" -eq 124 ]; then
		echo "TIMED OUT ($p pass, $f fail before the limit)"
	else
		echo "FAIL rc=$2 ($p pass, $f fail: $names)"
	fi
}

# 1. Conformance and agreement.
core='TestConformance|TestDeterminism|TestCPUAgreement|TestTrainerAgreement|TestMinibatchMatchesCPU|TestPyramidMatchesCPU|TestCapture|TestKernelErrors|TestProbe|TestDevices'
if b=$(budget 240); then
	timeout -k 10 "$b" "./$TEST" -test.v -test.run "$core" -test.timeout "$((b - 2))s" >"$OUT/gpu-test.log" 2>&1
	row "1 conformance and agreement" "$(passfail "$OUT/gpu-test.log" $?)"
else
	row "1 conformance and agreement" "skipped: deadline"
fi

# 2. A short training run through the CUDA build.
if [ -x "$TRAIN" ] && b=$(budget 90); then
	run=$(mktemp -d -p "$runs")
	t0=$SECONDS
	timeout -k 10 "$b" "./$TRAIN" train --preset edward --steps "$STEPS" --out "$run" --device cuda --listen '' \
		>"$OUT/gan-train.log" 2>&1
	rc=$?
	sps=$(grep -o 'steps_per_sec=[0-9.e+]*' "$OUT/gan-train.log" | tail -n 1 | cut -d= -f2)
	row "2 gan-train-cuda edward $STEPS steps" "rc=$rc, $((SECONDS - t0)) s wall with start-up, last logged ${sps:-?} steps/s, final grid $([ -s "$run/samples/final.png" ] && echo written || echo MISSING)"
	cp "$run/samples/final.png" "$OUT/edward-final.png" 2>/dev/null || true
else
	row "2 gan-train-cuda edward" "skipped: $([ -x "$TRAIN" ] && echo deadline || echo "$TRAIN not built")"
fi

# 3. The step benchmark, ours and PyTorch's, one after the other.
if b=$(budget 150); then
	bn=$STEPS
	timeout -k 10 "$b" "./$TEST" -test.run '^$' -test.bench "$BENCH" -test.benchtime "${bn}x" \
		-test.timeout "$((b - 2))s" >"$OUT/bench.log" 2>&1
	found=0
	# A result line: BenchmarkEdwardStep/edward/graph-16  2000  41234 ns/op  24251 steps/s
	while read -r name sps; do
		row "3 go ${name#BenchmarkEdwardStep/}" "$sps steps/s"
		found=1
	done < <(awk '/^BenchmarkEdwardStep\// { for (i = 2; i < NF; i++) if ($(i+1) == "steps/s") print $1, $i }' "$OUT/bench.log")
	[ "$found" = 1 ] || row "3 go benchmarks" "no results, see bench.log"
else
	row "3 go benchmarks" "skipped: deadline"
fi
if ! python3 -c 'import torch' >/dev/null 2>&1; then
	row "3 torch_ref.py" "skipped: no PyTorch here"
elif b=$(budget 200); then
	PYTHONUNBUFFERED=1 timeout -k 10 "$b" python3 bench/gpu/torch_ref.py --steps "$STEPS" --out "$OUT/torch.json" \
		>"$OUT/torch.log" 2>&1
	rc=$?
	if [ -s "$OUT/torch.json" ]; then
		python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "config" in r:
        v = r.get("steps_per_sec")
        print("3 torch %s/%s\t%s" % (r["config"], r["mode"], ("%s steps/s" % v) if v else r.get("error", "?")[:80]))
' "$OUT/torch.json" | while IFS=$'\t' read -r name result; do row "$name" "$result"; done
	else
		row "3 torch_ref.py" "no results (rc=$rc), see torch.log"
	fi
else
	row "3 torch_ref.py" "skipped: deadline"
fi

# 4. Extras, while time is left.
if b=$(budget 120); then
	timeout -k 10 "$b" "./$TEST" -test.v -test.skip "$core" -test.timeout "$((b - 2))s" >"$OUT/gpu-test-rest.log" 2>&1
	row "4 the other gpu tests" "$(passfail "$OUT/gpu-test-rest.log" $?)"
fi
# the sanitizers' subset: the conformance groups of the loss, layout,
# regularisation, pyramid, minibatch and averaging kernels (what they ran
# before the suites were merged into one), not the long dense shapes
short='TestKernelErrors|TestCapture|TestConformance'
shortskip='TestConformance/(Memory|Elementwise|Dense|Optimiser|Random)'
if [ "$DRY" = 0 ] && command -v compute-sanitizer >/dev/null 2>&1; then
	for tool in memcheck racecheck; do
		b=$(budget 120) || break
		timeout -k 10 "$b" compute-sanitizer --tool "$tool" --error-exitcode 3 \
			"./$TEST" -test.run "$short" -test.skip "$shortskip" -test.timeout "$((b - 2))s" >"$OUT/sanitizer-$tool.log" 2>&1
		rc=$?
		row "4 compute-sanitizer $tool" "$([ $rc -eq 0 ] && echo clean || echo "rc=$rc") $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/sanitizer-$tool.log" | tail -n 1)"
	done
fi
if [ -x "$TRAIN" ] && b=$(budget 120); then
	run=$(mktemp -d -p "$runs")
	t0=$SECONDS
	timeout -k 10 "$b" "./$TRAIN" train --steps "$STEPS" --out "$run" --device cuda --listen '' >"$OUT/gan-train-quality.log" 2>&1
	row "4 gan-train-cuda quality $STEPS steps" "rc=$?, $((SECONDS - t0)) s wall with start-up"
fi
if [ -x "$TRAIN" ] && b=$(budget 90); then
	run=$(mktemp -d -p "$runs")
	timeout -k 10 "$b" "./$TRAIN" lapgan train --steps "$((STEPS / 10 + 10))" --out "$run" --device cuda >"$OUT/lapgan.log" 2>&1
	row "4 gan-train-cuda lapgan" "rc=$?"
fi

row "done" "$((SECONDS - start)) s of a ${DEADLINE} s deadline"
