#!/usr/bin/env bash
# Crash test: SIGKILL a training run at KILLS random moments (checkpoints are
# written every 2 steps, so many kills land during a checkpoint write),
# restart it each time, and check that every restart resumes from an intact
# checkpoint and that the run reaches its last step.
#
#   bash bench/crash-test.sh bin/gan-train [KILLS]
#
# Prints one line per kill and a summary line "crash-test: N passed, M failed".
set -u
BIN=${1:?usage: crash-test.sh path/to/gan-train [kills]}
KILLS=${2:-20}
STEPS=${STEPS:-4000}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
RUN="$DIR/run"
ARGS=(train --preset edward --steps "$STEPS" --checkpoint-every 2 --sample-every 100 --log-every 10 --out "$RUN" --listen '' --device cpu)
passed=0 failed=0 midwrite=0 last=-1
step_of() { # the step of the run's checkpoint, via the sample command that verifies its checksum
  "$BIN" sample --checkpoint "$RUN/checkpoints/latest.ckpt" --n 1 --out "$DIR/probe.png" 2>&1 | sed -n 's/.*from step \([0-9]*\).*/\1/p'
}
for i in $(seq 1 "$KILLS"); do
  "$BIN" "${ARGS[@]}" >"$DIR/log.$i" 2>&1 &
  pid=$!
  # a random moment between 0.3 s and 3.3 s after start (start-up loads the data)
  sleep "$(awk -v r=$RANDOM 'BEGIN{printf "%.3f", 0.3 + 3*r/32767}')"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if ls "$RUN"/checkpoints/.latest.ckpt.tmp-* >/dev/null 2>&1; then midwrite=$((midwrite + 1)); w=" (killed during a checkpoint write)"; else w=""; fi
  if [ ! -f "$RUN/checkpoints/latest.ckpt" ]; then
    echo "kill $i: no checkpoint yet$w"; passed=$((passed + 1)); continue
  fi
  s=$(step_of)
  if [ -z "$s" ]; then
    echo "kill $i: FAIL: checkpoint unreadable$w"; failed=$((failed + 1)); continue
  fi
  if [ "$s" -lt "$last" ]; then
    echo "kill $i: FAIL: checkpoint went back from step $last to $s$w"; failed=$((failed + 1)); continue
  fi
  echo "kill $i: intact checkpoint at step $s$w"; last=$s; passed=$((passed + 1))
done
# the final restart must resume (not start over) and finish
"$BIN" "${ARGS[@]}" >"$DIR/log.final" 2>&1
rc=$?
s=$(step_of)
if [ $rc -eq 0 ] && [ "$s" = "$STEPS" ] && { [ "$last" -le 0 ] || grep -q "resuming" "$DIR/log.final"; }; then
  echo "final run: resumed from step $last and reached step $s"; passed=$((passed + 1))
else
  echo "final run: FAIL (exit $rc, checkpoint step '$s', want $STEPS)"; tail -5 "$DIR/log.final"; failed=$((failed + 1))
fi
# metrics.jsonl must hold each step at most once
dups=$(grep -o '"step":[0-9]*' "$RUN/metrics.jsonl" | sort | uniq -d | wc -l)
if [ "$dups" -eq 0 ]; then passed=$((passed + 1)); else echo "metrics.jsonl: FAIL: $dups steps logged twice"; failed=$((failed + 1)); fi
echo "kills during a checkpoint write: $midwrite of $KILLS"
echo "crash-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
