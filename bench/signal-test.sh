#!/usr/bin/env bash
# SIGINT/SIGTERM: starts each command, signals it after 1.5 s and times how
# long it takes to exit; prints a table row per command with what it left.
#
#   bash bench/signal-test.sh bin/gan-train
set -u
B=${1:?usage: signal-test.sh path/to/gan-train}
D=$(mktemp -d)
$B train --preset tiny --steps 4 --out $D/run --listen '' --device cpu >/dev/null 2>&1
t() { # label signal outfile cmd...
  local label=$1 sig=$2 out=$3; shift 3
  "$@" >$D/o 2>$D/e & local pid=$!
  sleep 1.5
  local s=$(date +%s.%N); kill -$sig $pid; wait $pid; local rc=$?; local e=$(date +%s.%N)
  local left="none"; [ -n "$out" ] && [ -e "$out" ] && left="EXISTS"
  printf '| %s | %s | %.2f | %s | %s | %s |\n' "$label" "$sig" "$(echo "$e - $s" | bc)" "$rc" "$left" "$(grep -h 'gan-train:\|interrupted\|stopped by signal' $D/e | head -1 | sed "s#$D/##g" | cut -c1-110)"
}
echo "| command | signal | seconds to exit | exit | output left | message |"
echo "| --- | --- | --- | --- | --- | --- |"
t "train --preset edward" INT "" $B train --preset edward --out $D/r1 --listen '' --device cpu
t "train --preset edward" TERM "" $B train --preset edward --out $D/r2 --listen '' --device cpu
t "sample --n 1048576 (.idx)" INT $D/s.idx $B sample --run $D/run --n 1048576 --out $D/s.idx
t "sample --n 1048576 (.png)" TERM $D/s.png $B sample --run $D/run --n 1048576 --out $D/s.png
t "eval --n 1048576" INT "" $B eval --run $D/run --n 1048576 --cache-dir $D/cache
t "lapgan train" INT "" $B lapgan train --out $D/lap --device cpu
rm -rf $D
