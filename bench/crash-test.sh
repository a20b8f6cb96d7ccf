#!/usr/bin/env bash
# Crash test: SIGKILL a training run at KILLS random moments (checkpoints are
# written every 2 steps, so many kills land during a checkpoint write),
# restart it each time, and check that every restart resumes from an intact
# checkpoint that never goes back, that after every kill metrics.jsonl holds
# every logged step up to the checkpoint's (no gap), and that the run reaches
# its last step with each logged step in metrics.jsonl exactly once.
#
#   bash bench/crash-test.sh bin/gan-train [KILLS]     (default 100; CI runs 20)
#
# Prints one line per kill and a summary line "crash-test: N passed, M failed".
set -u
BIN=${1:?usage: crash-test.sh path/to/gan-train [kills]}
KILLS=${2:-100}
LOG_EVERY=10
STEPS=${STEPS:-$((KILLS * 100 > 4000 ? KILLS * 100 : 4000))} # enough that no kill comes after the last step
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
RUN="$DIR/run"
ARGS=(train --preset edward --steps "$STEPS" --checkpoint-every 2 --sample-every 100 --log-every "$LOG_EVERY" --out "$RUN" --listen '' --device cpu)
passed=0 failed=0 midwrite=0 last=-1 before_end=0
step_of() { # the step of the run's checkpoint, via the sample command that verifies its checksum
  "$BIN" sample --checkpoint "$RUN/checkpoints/latest.ckpt" --n 1 --out "$DIR/probe.png" 2>&1 | sed -n 's/.*from step \([0-9]*\).*/\1/p'
}
# logged_upto S: metrics.jsonl must hold exactly the steps LOG_EVERY, 2*LOG_EVERY,
# ... up to S (lines past S may follow: a resume from S drops them). Prints
# what is wrong, nothing when all is well.
logged_upto() {
  local want got
  want=$(seq "$LOG_EVERY" "$LOG_EVERY" "$1" | tr '\n' ' ')
  got=$(grep -o '"step":[0-9]*' "$RUN/metrics.jsonl" 2>/dev/null | cut -d: -f2 | awk -v s="$1" '$1 <= s' | tr '\n' ' ')
  [ "$want" = "$got" ] || echo "metrics.jsonl up to step $1 holds steps [${got:0:80}...], want [${want:0:80}...]"
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
  gap=$(logged_upto "$s")
  if [ -n "$gap" ]; then
    echo "kill $i: FAIL: $gap$w"; failed=$((failed + 1)); last=$s; continue
  fi
  [ "$s" -lt "$STEPS" ] && before_end=$((before_end + 1))
  echo "kill $i: intact checkpoint at step $s, metrics.jsonl complete up to it$w"; last=$s; passed=$((passed + 1))
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
# metrics.jsonl must hold each logged step exactly once, in order, no gap
dups=$(grep -o '"step":[0-9]*' "$RUN/metrics.jsonl" | sort | uniq -d | wc -l)
gap=$(logged_upto "$STEPS")
n=$(grep -c '"step"' "$RUN/metrics.jsonl")
if [ "$dups" -eq 0 ] && [ -z "$gap" ] && [ "$n" -eq $((STEPS / LOG_EVERY)) ]; then
  echo "metrics.jsonl: every logged step once, no gap ($n lines)"; passed=$((passed + 1))
else
  echo "metrics.jsonl: FAIL: $dups steps logged twice, $n lines for $((STEPS / LOG_EVERY)) logged steps; $gap"; failed=$((failed + 1))
fi
echo "kills during a checkpoint write: $midwrite of $KILLS; kills before the last step was reached: $before_end of $KILLS"
echo "crash-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
