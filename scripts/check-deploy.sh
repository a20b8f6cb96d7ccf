#!/usr/bin/env bash
# Runs every deployment check and exits non-zero if any fails:
#   promtool check config / check rules / test rules   (deploy/prometheus;
#     with PROMTOOL3=path also test rules on a Prometheus 3.x promtool)
#   dashboard-linter --strict                         (deploy/grafana/dashboards)
#   kubeconform -strict against schemas generated from k8s.io/kubernetes'
#     OpenAPI spec; the Prometheus Operator CRDs (PodMonitor, ServiceMonitor)
#     have no schema there and are skipped      (deploy/k8s)
#   dockerfilelint, BuildKit's `docker build --check` rules (Dockerfile*,
#     deploy/test/Dockerfile*)
#   docker-compose config, when docker-compose or docker compose is present
#     (docker-compose.yml alone and with the test override)
#   go test of the tools module (the linters' own tests)
# Install the tools first with scripts/install-deploy-tools.sh. The closing
# line is "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bindir=${GAN_TRAIN_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/gan-train/tools/bin}
k8s_version=${K8S_VERSION:-v1.34.0}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
failures=()
# step NAME CMD...: run one check, print its output, count the outcome.
step() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
		echo "--- ok: $name"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "--- FAIL: $name"
	fi
}

# The Go linters: (re)build them from the tools module, which is a no-op
# when they are up to date.
if ! go -C tools build -o "$bindir/" github.com/grafana/dashboard-linter \
	github.com/yannh/kubeconform/cmd/kubeconform ./dockerfilelint ./k8sschema ./promcheck; then
	echo "check-deploy: building the tools module failed; run scripts/install-deploy-tools.sh" >&2
	exit 1
fi
if ! command -v promtool >/dev/null; then
	echo "check-deploy: promtool not found; run scripts/install-deploy-tools.sh" >&2
	exit 1
fi

step "promtool check config" promtool check config deploy/prometheus/prometheus.yml
step "promtool check rules" promtool check rules deploy/prometheus/rules/*.rules.yml
step "promtool test rules" promtool test rules deploy/prometheus/tests/*.test.yml
# Debian's promtool is 2.x; the rule tests are written to hold on 3.x too.
# Point PROMTOOL3 at a 3.x promtool to check that as well (one can be built
# from the Go module github.com/prometheus/prometheus v0.305.0, Prometheus
# 3.5, with `go get -tool` in a scratch module: about 10 minutes on 2 cores).
if [ -n "${PROMTOOL3:-}" ]; then
	step "promtool 3.x test rules ($PROMTOOL3)" "$PROMTOOL3" test rules deploy/prometheus/tests/*.test.yml
fi

for d in deploy/grafana/dashboards/*.json; do
	step "dashboard-linter $d" "$bindir/dashboard-linter" lint --strict "$d"
done

kubeconform_all() {
	local dir swagger
	dir=$(go -C tools mod download -json "k8s.io/kubernetes@$k8s_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	swagger=$dir/api/openapi-spec/swagger.json
	if [ ! -f "$swagger" ]; then
		echo "no OpenAPI spec at '$swagger'" >&2
		return 1
	fi
	"$bindir/k8sschema" -swagger "$swagger" -out "$tmp/schemas" deploy/k8s/*.yaml &&
		"$bindir/kubeconform" -strict -summary -skip PodMonitor,ServiceMonitor \
			-schema-location "$tmp/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" deploy/k8s/*.yaml
}
step "kubeconform -strict deploy/k8s (k8s.io/kubernetes@$k8s_version; CRDs PodMonitor and ServiceMonitor skipped)" kubeconform_all

dockerfiles=$(ls Dockerfile* deploy/Dockerfile* deploy/test/Dockerfile* 2>/dev/null || true)
if [ -n "$dockerfiles" ]; then
	# shellcheck disable=SC2086 # one argument per file
	step "dockerfilelint $(echo $dockerfiles)" "$bindir/dockerfilelint" $dockerfiles
else
	echo "=== dockerfilelint: no Dockerfile in the repository yet, nothing to lint"
fi

# The test override (scripts/test-image.sh) needs its two image names.
compose_test_env=(env GAN_TRAIN_TEST_IMAGE=gan-train:test GAN_TRAIN_TEST_PROMETHEUS_IMAGE=prometheus:test)
if command -v docker-compose >/dev/null; then
	step "docker-compose config" docker-compose -f deploy/docker-compose.yml config -q
	step "docker-compose config (with docker-compose.test.yml)" "${compose_test_env[@]}" \
		docker-compose -f deploy/docker-compose.yml -f deploy/docker-compose.test.yml config -q
elif docker compose version >/dev/null 2>&1; then
	step "docker compose config" docker compose -f deploy/docker-compose.yml config -q
	step "docker compose config (with docker-compose.test.yml)" "${compose_test_env[@]}" \
		docker compose -f deploy/docker-compose.yml -f deploy/docker-compose.test.yml config -q
else
	echo "=== docker compose config: neither docker-compose nor docker compose found, skipped"
fi

step "go test (tools module)" go -C tools test ./...

if [ "$failed" -gt 0 ]; then
	printf 'check-deploy: failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
