#!/bin/sh
# check-ptxas.sh: ptxas -arch=sm_90 assembles every kernel of kernels/*.cu
# for Hopper, and no kernel spills registers to local memory. Prints each
# kernel's registers. Needs nvcc and ptxas (make kernels-ptxas; CI runs it).
set -eu
cd "$(dirname "$0")/.."
NVCC=${NVCC:-nvcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for cu in kernels/*.cu; do
	name=$(basename "$cu" .cu)
	"$NVCC" --ptx -arch=compute_90 -o "$tmp/$name.ptx" "$cu"
	if ! ptxas -arch=sm_90 -v -o "$tmp/$name.cubin" "$tmp/$name.ptx" >"$tmp/$name.log" 2>&1; then
		echo "check-ptxas: ptxas -arch=sm_90 failed on $cu:" >&2
		cat "$tmp/$name.log" >&2
		bad=1
		continue
	fi
	# "Compiling entry function 'X' for 'sm_90'" ... "N bytes spill stores, M bytes spill loads" ... "Used R registers"
	awk -v file="$cu" '
		/Compiling entry function/ { k = $0; sub(/.*function .\047?/, "", k); sub(/\047.*/, "", k) }
		/spill stores/ { st = $5; ld = $9; if (st + 0 > 0 || ld + 0 > 0) { printf "check-ptxas: %s %s spills (%s bytes stored, %s loaded)\n", file, k, st, ld; bad = 1 } }
		/Used [0-9]+ registers/ { for (i = 1; i <= NF; i++) if ($i == "Used") printf "  %-24s %3s registers\n", k, $(i + 1) }
		END { exit bad }
	' "$tmp/$name.log" || bad=1
done
if [ "$bad" -ne 0 ]; then
	echo "check-ptxas: FAIL" >&2
	exit 1
fi
echo "check-ptxas: every kernel assembles for sm_90 without spills"
