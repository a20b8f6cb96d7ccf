#!/bin/sh
# check-stale.sh: fail when the committed kernels/*.fatbin do not match what
# nvcc generates from kernels/*.cu now. Run from the repository root (or via
# `make kernels-check`). Without nvcc it prints a skip message and exits 0.
#
# The output depends on the nvcc release, so the comparison is exact only
# with the release that generated the committed files (kernels/compiler_gen.go);
# with another release the script says so and skips rather than failing on
# compiler noise.
set -eu

cd "$(dirname "$0")/.."
NVCC=${NVCC:-nvcc}
if ! command -v "$NVCC" >/dev/null 2>&1; then
	echo "check-stale: $NVCC not found; skipping the fat-binary staleness check"
	exit 0
fi

want=$(sed -n 's|^const compiler = "\(.*\)"$|\1|p' kernels/compiler_gen.go)
have=$("$NVCC" --version | sed -n 's|^Cuda compilation tools, \(.*\)$|\1|p' | head -n 1)
if [ "$want" != "$have" ]; then
	echo "check-stale: committed fat binaries are from nvcc ($want), this nvcc is ($have); skipping"
	exit 0
fi

# The nvcc flags of kernels.mk (make kernels-check passes them).
flags=${1:?usage: check-stale.sh "NVCC FLAGS" (make kernels-check passes those of kernels.mk)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0
for cu in kernels/*.cu; do
	name=$(basename "$cu" .cu)
	# shellcheck disable=SC2086 # the flags are separate words
	"$NVCC" $flags -o "$tmp/$name.fatbin" "$cu"
	if [ ! -f "kernels/$name.fatbin" ]; then
		echo "check-stale: kernels/$name.fatbin missing: run make kernels" >&2
		stale=1
	elif ! cmp -s "$tmp/$name.fatbin" "kernels/$name.fatbin"; then
		echo "check-stale: kernels/$name.fatbin is stale: run make kernels" >&2
		stale=1
	fi
done
if [ "$stale" -ne 0 ]; then
	exit 1
fi
echo "check-stale: kernels/*.fatbin match their sources"
