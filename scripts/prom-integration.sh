#!/usr/bin/env bash
# The real-Prometheus integration test.
#
#   scripts/prom-integration.sh path/to/gan-train
#
# Starts `gan-train train --preset tiny --steps 100000 --out TMP/run --listen
# 127.0.0.1:PORT`, then Debian's prometheus on loopback with a temporary data
# directory, a 1-second scrape of that run and the project's rule files,
# waits until samples and a first evaluation arrive, and asserts (tools/promcheck) that every query
# of every dashboard in deploy/grafana/dashboards (Grafana macros and
# variables substituted) and every recording rule returns data, and that
# every rule evaluates without error. The evaluation gauges are allowed to
# be empty (they appear only once an evaluation runs). Everything it starts
# is stopped by process id when it exits, whatever the outcome.
#
# Any program with gan-train's train command line works as the binary: the
# test was first proven against metrics/internal/fakerun, which serves the
# real metrics package with a synthetic run.
#
# Environment: PROMETHEUS (default: prometheus on PATH), KEEP_TMP=1 keeps
# the temporary directory (logs, data) for inspection, PROMCHECK_TIMEOUT
# (default 90s) bounds the wait for data.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 path/to/gan-train" >&2
	exit 2
fi
bin=$1
if [ ! -x "$bin" ]; then
	echo "prom-integration: $bin is not an executable file" >&2
	exit 2
fi
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
prometheus=${PROMETHEUS:-$(command -v prometheus || true)}
if [ -z "$prometheus" ]; then
	echo "prom-integration: prometheus not found; run scripts/install-deploy-tools.sh" >&2
	exit 1
fi
for t in curl go; do
	command -v "$t" >/dev/null || { echo "prom-integration: $t not found" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/prom-integration.XXXXXX")
pids=()
cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for pid in "${pids[@]}"; do
		# Give each a few seconds to exit cleanly, then insist.
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ "$status" -ne 0 ]; then
		for log in "$tmp"/*.log; do
			[ -f "$log" ] || continue
			echo "--- last lines of $(basename "$log")" >&2
			tail -n 30 "$log" >&2
		done
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "prom-integration: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" # free_port

# wait_for URL PATTERN SECONDS: poll until the body of URL matches PATTERN.
wait_for() {
	local url=$1 pattern=$2 secs=$3
	for _ in $(seq 1 $((secs * 4))); do
		if curl -fsS --max-time 2 "$url" 2>/dev/null | grep -q -- "$pattern"; then
			return 0
		fi
		for pid in "${pids[@]}"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				echo "prom-integration: process $pid exited while waiting for $url" >&2
				return 1
			fi
		done
		sleep 0.25
	done
	echo "prom-integration: $url did not match '$pattern' within ${secs}s" >&2
	return 1
}

echo "prom-integration: building tools/promcheck"
go -C "$root/tools" build -o "$tmp/promcheck" ./promcheck

train_port=$(free_port)
# --eval-every: the evaluation gauges get data too (the first evaluation
# trains the digit classifier, about half a minute).
"$bin" train --preset tiny --steps 100000 --out "$tmp/run" --listen "127.0.0.1:$train_port" \
	--eval-every 50 --eval-samples 500 --cache-dir "$tmp/cache" >"$tmp/gan-train.log" 2>&1 &
pids+=($!)
echo "prom-integration: gan-train pid ${pids[-1]} on 127.0.0.1:$train_port"
wait_for "http://127.0.0.1:$train_port/metrics" '^gan_train_info' 60

prom_port=$(free_port)
cat >"$tmp/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/deploy/prometheus/rules/*.rules.yml
scrape_configs:
  - job_name: gan-train
    static_configs:
      - targets: ["127.0.0.1:$train_port"]
YAML
"$prometheus" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
echo "prom-integration: prometheus pid ${pids[-1]} on 127.0.0.1:$prom_port"
prom=http://127.0.0.1:$prom_port
wait_for "$prom/-/ready" 'Ready' 60
# Samples have arrived once the run's step counter has a few points.
wait_for "$prom/api/v1/query?query=count_over_time(gan_train_steps_total%5B1m%5D)%3E%3D5" '"value"' 60
echo "prom-integration: samples arrived; waiting for the first evaluation"
wait_for "$prom/api/v1/query?query=gan_train_eval_classifier_score" '"value"' "${EVAL_WAIT:-300}"
echo "prom-integration: checking every dashboard query and recording rule"

dashboards=()
for d in "$root"/deploy/grafana/dashboards/*.json; do dashboards+=(-dashboard "$d"); done
rules=()
for r in "$root"/deploy/prometheus/rules/*.rules.yml; do rules+=(-rules "$r"); done
# Grafana with a 1s scrape: $__interval about 5s for an hour on ~700 px,
# $__rate_interval = max($__interval + scrape, 4 * scrape) = 6s.
"$tmp/promcheck" -prometheus "$prom" "${dashboards[@]}" "${rules[@]}" \
	-rate-interval 6s -interval 5s -range 1h -timeout "${PROMCHECK_TIMEOUT:-90s}" -allow-empty ""
