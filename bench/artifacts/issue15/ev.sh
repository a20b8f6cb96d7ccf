#!/bin/bash
# usage: ev.sh CKPT OUTTXT [extra eval flags]
ck=$1; out=$2; shift 2
{ echo "# $(date -u +%FT%TZ) gan-train eval --checkpoint $ck --cache-dir /tmp/gq/cache $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
GOMAXPROCS=1 nice -n 19 /tmp/gq/gan-train eval --checkpoint $ck --cache-dir /tmp/gq/cache "$@" 2>&1 | grep -v level=INFO; } > $out
