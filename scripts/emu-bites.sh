#!/usr/bin/env bash
# emu-bites.sh: shows that `make test-gpu-emu` catches the four kinds of
# CUDA defect it exists for. Each fault is applied, one at a time, to a
# scratch worktree of HEAD, and the emulated-device suite must then fail:
#   1. a __syncthreads removed from the tiled GEMM (kernels/dense.cu);
#   2. two launch arguments swapped (batch and in of DenseForward, gpu/dense.go);
#   3. an off-by-one in a grid-stride loop (fill_f32's GT_GRID_STRIDE_LOOP
#      runs to n + 1, kernels/elementwise.cu);
#   4. a shared-memory tile declared too small (kernels/dense.cu).
# It also checks that the unmodified worktree passes. Exit 0 when every
# fault was caught. Takes a few minutes (one build and run per fault).
#
# Usage: bash scripts/emu-bites.sh [LOGDIR]
set -euo pipefail
root=$(git rev-parse --show-toplevel)
logs=${1:-$(mktemp -d)}
mkdir -p "$logs"
tmp=$(mktemp -d)
wt="$tmp/w"
cleanup() { git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
git -C "$root" worktree add --quiet --detach "$wt" HEAD
cd "$wt"

# apply FILE PERL-EXPR: edits FILE in place and fails when nothing changed.
apply() {
	local file=$1 expr=$2
	cp "$file" "$tmp/orig"
	perl -0pi -e "$expr" "$file"
	if cmp -s "$file" "$tmp/orig"; then
		echo "emu-bites: the fault did not apply to $file (the source changed?)" >&2
		exit 2
	fi
}

run() { # run NAME: the suite, stopping at the first failure; prints the verdict
	local name=$1 start=$SECONDS
	if make test-gpu-emu GOTESTFLAGS=-failfast >"$logs/$name.log" 2>&1; then
		echo "PASS  $name ($((SECONDS - start))s)"
		return 0
	fi
	echo "FAIL  $name ($((SECONDS - start))s): $(grep -m1 -E -- '--- FAIL|cudaemu:|gpu: ' "$logs/$name.log" | sed 's/^ *//' | cut -c1-160)"
	return 1
}

caught=0 missed=0
fault() { # fault NAME FILE PERL-EXPR
	apply "$2" "$3"
	if run "$1"; then
		echo "emu-bites: $1 was NOT caught (log: $logs/$1.log)" >&2
		missed=$((missed + 1))
	else
		caught=$((caught + 1))
	fi
	git checkout --quiet -- "$2"
}

if ! run unmodified; then
	echo "emu-bites: the unmodified tree fails; nothing to prove (log: $logs/unmodified.log)" >&2
	exit 1
fi
fault missing-syncthreads kernels/dense.cu \
	's/(        stage<BN, BKFast>\(Bs, lb, k0, bn\);\n)        __syncthreads\(\);\n/$1/'
fault swapped-launch-args gpu/dense.go \
	's/(launch\(be, grid, block1D, yd\.ptr\(\), xd\.ptr\(\), wd\.ptr\(\), bd\.ptr\(\), )batch, in,/$1in, batch,/'
fault grid-stride-off-by-one kernels/elementwise.cu \
	's/(void fill_f32\(float \*x, int n, float v\)\n\{\n    GT_GRID_STRIDE_LOOP\(int, i, )n\)/$1n + 1)/'
fault shared-tile-too-small kernels/dense.cu \
	's/__shared__ float Bs\[GT_BK\]\[BN \+ 1\];/__shared__ float Bs[GT_BK][BN \/ 2];/'
echo "emu-bites: $caught of 4 faults caught, $missed missed; logs in $logs"
[ "$missed" -eq 0 ]
