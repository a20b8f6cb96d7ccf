#!/bin/sh
# check-stale.sh: fail when the committed kernels/*.ptx do not match what
# nvcc generates from kernels/*.cu now. Run from the repository root (or via
# `make kernels-check`). Without nvcc it prints a skip message and exits 0.
#
# PTX text depends on the nvcc release (its header names it), so the
# comparison is exact only with the release that generated the committed
# files; with another release the script reports the difference of releases
# and skips rather than failing on compiler noise.
set -eu

cd "$(dirname "$0")/.."
NVCC=${NVCC:-nvcc}
if ! command -v "$NVCC" >/dev/null 2>&1; then
	echo "check-stale: $NVCC not found; skipping the PTX staleness check"
	exit 0
fi

want=$(sed -n 's|^// Cuda compilation tools, \(.*\)$|\1|p' kernels/dense.ptx | head -n 1)
have=$("$NVCC" --version | sed -n 's|^Cuda compilation tools, \(.*\)$|\1|p' | head -n 1)
if [ "$want" != "$have" ]; then
	echo "check-stale: committed PTX is from nvcc ($want), this nvcc is ($have); skipping"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0
for cu in kernels/*.cu; do
	name=$(basename "$cu" .cu)
	"$NVCC" --ptx -arch=compute_70 -o "$tmp/$name.ptx" "$cu"
	if [ ! -f "kernels/$name.ptx" ]; then
		echo "check-stale: kernels/$name.ptx missing: run make kernels" >&2
		stale=1
	elif ! diff -q "$tmp/$name.ptx" "kernels/$name.ptx" >/dev/null; then
		echo "check-stale: kernels/$name.ptx is stale: run make kernels" >&2
		diff -u "kernels/$name.ptx" "$tmp/$name.ptx" | head -n 20 >&2 || true
		stale=1
	fi
done
if [ "$stale" -ne 0 ]; then
	exit 1
fi
echo "check-stale: kernels/*.ptx match their sources"
