#!/usr/bin/env bash
# twin-compare.sh: gan-train's seed presets against their PyTorch twins.
#
# LONG RUNNING, NOT PART OF CI. For each preset (edward, tf-tutorial) and each
# seed (1, 2, 3) it trains the preset once with gan-train and once with
# bench/torch_twin.py, writes 10,000 samples from each, and scores every
# samples file with `gan-train eval --samples FILE --json`, then prints a
# markdown table (bench/twin_table.py) with per-implementation mean and
# min-max spread. Estimate for one job at a time on this 2-core machine,
# from a 300-step smoke run (steps/s in metrics.jsonl and torch_twin's log):
#   gan-train CPU: edward 15,000 steps at 35-60 steps/s ~4-7 min;
#   tf-tutorial 20,000 steps (batch 256) at 10-25 steps/s ~15-30 min;
#   PyTorch, 1 thread: edward at 130-260 steps/s ~1-2 min, tf-tutorial at
#   70-130 steps/s ~3-5 min;
#   eval: ~15-45 s each (the first also trains and caches the classifier).
#   3 seeds x 2 presets x 2 implementations: about 1.5 to 2.5 hours, more
#   when the machine is shared; EXTRA_PRESETS (default quality, gan-train
#   only, ~10 min each) add about 30 minutes.
#
# The evidence this produces (issue "Side by side with PyTorch"): gan-train's
# seed presets should land within the spread of their twins.
#
# Usage: bench/twin-compare.sh
# Environment:
#   OUT            directory for runs, samples, eval JSON and table.md
#                  (default: a new directory under /tmp, printed at the start)
#   SEEDS          default "1 2 3"
#   PRESETS        twin presets, default "edward tf-tutorial"
#   EXTRA_PRESETS  presets trained by gan-train only, for reference rows
#                  (default "quality"; skipped with a message when gan-train
#                  does not know them; set to "" to leave them out)
#   STEPS          override every preset's step count (for a quick smoke test
#                  of this script, e.g. STEPS=200; the table is then meaningless)
#   N              samples per run (default 10000)
#   REUSE          when set, a run whose eval.json and train-seconds exist
#                  in OUT is not trained again (to resume an interrupted
#                  comparison, or to split it over several invocations)
#   GAN_TRAIN      default bin/gan-train
#   PYTHON         default /usr/bin/python3 (Debian's python3-torch)
#   TORCH_THREADS  default 1
#   TWIN_DATA      training images for torch_twin.py only (default: the
#                  embedded split it shares with gan-train); for testing this
#                  script before internal/data/embedded exists, never for the table
#
# The gan-train contract this relies on:
#   gan-train train --preset P --seed S --out DIR --listen ''  [--steps N]
#   gan-train sample --run DIR --n N --out DIR/samples.idx
#   gan-train eval --samples FILE --json      (one JSON object on stdout)
set -euo pipefail

cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-1 2 3}
PRESETS=${PRESETS:-edward tf-tutorial}
EXTRA_PRESETS=${EXTRA_PRESETS-quality}
N=${N:-10000}
GAN_TRAIN=${GAN_TRAIN:-bin/gan-train}
PYTHON=${PYTHON:-/usr/bin/python3}
TORCH_THREADS=${TORCH_THREADS:-1}
OUT=${OUT:-$(mktemp -d /tmp/twin-compare.XXXXXX)}
mkdir -p "$OUT"

if [[ ! -x $GAN_TRAIN ]]; then
    echo "twin-compare: $GAN_TRAIN not found or not executable (build it first: go build -o bin/gan-train ./cmd/gan-train)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "twin-compare: $PYTHON cannot import torch (apt-get install python3-torch libopenblas0-pthread)" >&2
    exit 1
fi

steps_args=()
if [[ -n ${STEPS:-} ]]; then
    steps_args=(--steps "$STEPS")
fi
twin_args=()
if [[ -n ${TWIN_DATA:-} ]]; then
    twin_args=(--data "$TWIN_DATA")
fi

manifest=$OUT/manifest.tsv
: >"$manifest"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

log "output in $OUT; machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(nproc) cores"
log "gan-train: $("$GAN_TRAIN" version 2>&1 | head -n1); torch: $("$PYTHON" -c 'import torch; print(torch.__version__)')"

# evaluate FILE JSON: scores a samples file with gan-train eval.
evaluate() {
    local samples=$1 json=$2
    if ! "$GAN_TRAIN" eval --samples "$samples" --json >"$json" 2>"$json.log"; then
        log "eval of $samples failed:"
        tail -n 20 "$json.log" >&2
        return 1
    fi
}

# train_gan PRESET SEED: trains, samples and evaluates one gan-train run;
# returns 3 when gan-train does not know the preset.
train_gan() {
    local preset=$1 seed=$2 dir=$OUT/gan-train-$1-seed$2 t0 t1
    if [[ -n ${REUSE:-} && -s $dir/eval.json && -s $dir/train-seconds ]]; then
        log "gan-train $preset seed $seed: reusing $dir"
        printf '%s\tgan-train\t%s\t%s\t%s\n' "$preset" "$seed" "$(cat "$dir/train-seconds")" "$dir/eval.json" >>"$manifest"
        return 0
    fi
    rm -rf "$dir"
    log "gan-train $preset seed $seed: training"
    t0=$(date +%s.%N)
    if ! "$GAN_TRAIN" train --preset "$preset" --seed "$seed" --out "$dir" --listen '' "${steps_args[@]}" \
        >"$OUT/gan-train-$preset-seed$seed.log" 2>&1; then
        if grep -qi 'unknown preset' "$OUT/gan-train-$preset-seed$seed.log"; then
            return 3
        fi
        log "gan-train train failed:"
        tail -n 20 "$OUT/gan-train-$preset-seed$seed.log" >&2
        return 1
    fi
    t1=$(date +%s.%N)
    "$GAN_TRAIN" sample --run "$dir" --n "$N" --out "$dir/samples.idx" >>"$OUT/gan-train-$preset-seed$seed.log" 2>&1
    evaluate "$dir/samples.idx" "$dir/eval.json"
    awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}' >"$dir/train-seconds"
    printf '%s\tgan-train\t%s\t%s\t%s\n' "$preset" "$seed" "$(cat "$dir/train-seconds")" \
        "$dir/eval.json" >>"$manifest"
}

# train_torch PRESET SEED: the PyTorch twin of the same run.
train_torch() {
    local preset=$1 seed=$2 dir=$OUT/pytorch-$1-seed$2 t0 t1
    mkdir -p "$dir"
    log "pytorch $preset seed $seed: training"
    t0=$(date +%s.%N)
    "$PYTHON" bench/torch_twin.py --preset "$preset" --seed "$seed" --threads "$TORCH_THREADS" \
        --n "$N" --out "$dir/samples.idx" "${steps_args[@]}" "${twin_args[@]}" >"$dir/train.log" 2>&1 || {
        log "torch_twin failed:"
        tail -n 20 "$dir/train.log" >&2
        return 1
    }
    t1=$(date +%s.%N)
    evaluate "$dir/samples.idx" "$dir/eval.json"
    printf '%s\tpytorch\t%s\t%s\t%s\n' "$preset" "$seed" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" \
        "$dir/eval.json" >>"$manifest"
}

for preset in $PRESETS; do
    for seed in $SEEDS; do
        train_gan "$preset" "$seed"
        train_torch "$preset" "$seed"
    done
done

for preset in $EXTRA_PRESETS; do
    for seed in $SEEDS; do
        rc=0
        train_gan "$preset" "$seed" || rc=$?
        if [[ $rc == 3 ]]; then
            log "gan-train has no preset $preset: its rows are skipped"
            break
        elif [[ $rc != 0 ]]; then
            exit "$rc"
        fi
    done
done

{
    echo "Twin comparison, $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(nproc) cores;"
    echo "seeds: $SEEDS; samples per run: $N; steps: ${STEPS:-preset defaults}; PyTorch threads: $TORCH_THREADS."
    echo
    "$PYTHON" bench/twin_table.py "$manifest"
} | tee "$OUT/table.md"
log "table written to $OUT/table.md"
