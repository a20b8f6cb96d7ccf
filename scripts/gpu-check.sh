#!/bin/bash
# gpu-check.sh: everything gan-train checks on a CUDA device, in one run.
#
# Runs on the device machine from the repository root, with no Go there:
# the binaries are built beforehand on a machine with Go and the CUDA
# headers, and carried in bin/:
#
#   make cuda    # bin/gan-train-cuda and bin/gpu.test, linked against the stub
#
# Then, on the device: OUT=/some/dir scripts/gpu-check.sh
#
# Steps (each bounded by a timeout; a failing step does not stop the rest):
#   1. bin/gpu.test -test.v: conformance suites (core ops, variants, averaging,
#      pyramid, minibatch discrimination), CPU agreement of ops and of the
#      trainer on each variant, graph replay,
#      kernel error flags, zero-allocation launches
#   2. compute-sanitizer memcheck and racecheck on a short selection of tests
#   3. the Go benchmarks of one edward and one large step, eager and graph
#   4. bin/gan-train-cuda on the edward and the default (quality) preset and
#      a short LAPGAN run, if built
#   5. bench/gpu/torch_ref.py: PyTorch eager and torch.compile on the same step
# Logs land in $OUT (at most 8 files); a short table is printed last and
# saved as $OUT/summary.txt.
set -u

OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
STEPS=${STEPS:-2000}
cd "$(dirname "$0")/.." || exit 1

declare -a rows
row() { rows+=("$(printf '%-34s %s' "$1" "$2")"); }

{
	echo "# gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
	command -v compute-sanitizer nvcc python3 2>&1
} >"$OUT/env.txt"

if [ ! -x bin/gpu.test ]; then
	echo "gpu-check: bin/gpu.test missing: run make cuda where Go is, and carry bin/" >&2
	exit 2
fi

# 1. The test suite.
timeout 300 ./bin/gpu.test -test.v -test.timeout 280s >"$OUT/gpu-test.log" 2>&1
rc=$?
row "go tests (bin/gpu.test)" "$([ $rc -eq 0 ] && echo PASS || echo "FAIL rc=$rc") ($(grep -c '^--- PASS' "$OUT/gpu-test.log") pass, $(grep -c '^--- FAIL' "$OUT/gpu-test.log") fail)"

# 2. compute-sanitizer on a short run: every kernel appears in these tests.
short='TestKernelErrors|TestCapture|TestLaunchAllocs|TestDenseVariants|TestVariantConformance|TestAveragingConformance|TestPyramidConformance|TestMinibatchConformance'
if command -v compute-sanitizer >/dev/null 2>&1; then
	for tool in memcheck racecheck; do
		timeout 240 compute-sanitizer --tool "$tool" --error-exitcode 3 \
			./bin/gpu.test -test.run "$short" -test.timeout 230s >>"$OUT/sanitizer.log" 2>&1
		rc=$?
		summary=$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/sanitizer.log" | tail -n 1)
		row "compute-sanitizer $tool" "$([ $rc -eq 0 ] && echo clean || echo "rc=$rc") ${summary}"
	done
else
	row "compute-sanitizer" "not installed: skipped"
fi

# 3. Go benchmarks: steps/s of one GAN step, op by op and as a CUDA graph.
timeout 240 ./bin/gpu.test -test.run '^$' -test.bench 'EdwardStep' -test.benchtime "${STEPS}x" \
	-test.timeout 230s >"$OUT/bench.log" 2>&1
# A result line: BenchmarkEdwardStep/edward/graph-16  2000  41234 ns/op  24251 steps/s
while read -r name sps; do
	row "go ${name#BenchmarkEdwardStep/}" "$sps steps/s"
done < <(awk '/^BenchmarkEdwardStep\// { for (i = 2; i < NF; i++) if ($(i+1) == "steps/s") print $1, $i }' "$OUT/bench.log")
if ! grep -q '^BenchmarkEdwardStep/' "$OUT/bench.log"; then
	row "go benchmarks" "no results, see bench.log"
fi

# 4. The CUDA build of gan-train on the edward preset.
if [ -x bin/gan-train-cuda ]; then
	run=$(mktemp -d)
	t0=$(date +%s%N)
	timeout 240 ./bin/gan-train-cuda train --preset edward --steps "$STEPS" --out "$run" --device cuda \
		>"$OUT/gan-train.log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	row "gan-train-cuda edward $STEPS steps" "rc=$rc, ${ms} ms wall (start-up included)"
	# The default preset (quality: conditional, dropout, weight averaging)
	# exercises the variant kernels end to end.
	run=$(mktemp -d)
	t0=$(date +%s%N)
	timeout 240 ./bin/gan-train-cuda train --steps "$STEPS" --out "$run" --device cuda --listen '' \
		>>"$OUT/gan-train.log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	row "gan-train-cuda quality $STEPS steps" "rc=$rc, $(((t1 - t0) / 1000000)) ms wall (start-up included)"
	# LAPGAN: the pyramid kernels and per-level averaging end to end.
	run=$(mktemp -d)
	timeout 240 ./bin/gan-train-cuda lapgan train --steps 300 --out "$run" --device cuda >>"$OUT/gan-train.log" 2>&1
	row "gan-train-cuda lapgan 3x300 steps" "rc=$?"
else
	row "gan-train-cuda" "bin/gan-train-cuda not built: skipped"
fi

# 5. PyTorch on the same step.
if command -v python3 >/dev/null 2>&1; then
	PYTHONUNBUFFERED=1 timeout 400 python3 bench/gpu/torch_ref.py --steps "$STEPS" --out "$OUT/torch.json" \
		>"$OUT/torch.log" 2>&1
	rc=$?
	if [ -s "$OUT/torch.json" ]; then
		while IFS= read -r line; do
			row "$(echo "$line" | cut -d' ' -f1)" "$(echo "$line" | cut -d' ' -f2-)"
		done < <(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "config" not in r:
        continue
    v = r.get("steps_per_sec")
    print("torch-%s/%s" % (r["config"], r["mode"]), ("%s steps/s" % v) if v else r.get("error", "?")[:80])
' "$OUT/torch.json")
	else
		row "torch_ref.py" "no results (rc=$rc), see torch.log"
	fi
else
	row "torch_ref.py" "python3 not found: skipped"
fi

{
	echo
	echo "gpu-check summary: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1)"
	printf '%s\n' "${rows[@]}"
} | tee "$OUT/summary.txt"
