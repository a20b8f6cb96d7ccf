#!/usr/bin/env bash
# Runs the status page test in headless Chromium against a live tiny training
# run (internal/app/browser_test.go, build tag browser) and keeps its screenshots, DOM
# and training log.
#
#   scripts/browser-test.sh [ARTIFACT_DIR]     default: bench/artifacts
#
# Needs Debian's chromium (apt-get install -y chromium). Without it the test
# skips, unless GAN_TRAIN_REQUIRE_TOOLS=1 (as CI sets) makes it fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-bench/artifacts}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
mkdir -p "$dir"
cd "$root"
GAN_TRAIN_ARTIFACTS=$dir go test -count=1 -tags browser -run Browser -v ./internal/app/
echo "artifacts: $dir"
ls -l "$dir"
