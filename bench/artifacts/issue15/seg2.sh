#!/bin/bash
# usage: seg.sh DIR "EXTRA FLAGS" STOP1 STOP2 ...  (trains in segments, keeps a copy of each stop's checkpoint)
dir=$1; extra=$2; shift 2
first=${FIRST:-1}
for n in "$@"; do
  fresh=""; [ $first = 1 ] && fresh="--fresh"; first=0
  echo "=== $(date -u +%FT%TZ) segment to $n load $(cut -d' ' -f1-3 /proc/loadavg)"
  GOMAXPROCS=1 nice -n 19 /usr/bin/time -f "TIME %e s wall %U s user %S s sys %M KB" ${BIN:-/tmp/gq/gan-train} train $extra --steps $n --listen '' --device cpu $fresh --out $dir --log-every 1000 || exit 1
  cp $dir/checkpoints/latest.ckpt $dir/ckpt-$n.ckpt
done
echo "=== $(date -u +%FT%TZ) done load $(cut -d' ' -f1-3 /proc/loadavg)"
