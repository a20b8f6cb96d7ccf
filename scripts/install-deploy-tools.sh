#!/usr/bin/env bash
# Installs what scripts/check-deploy.sh, scripts/prom-integration.sh and the
# metrics package's Pushgateway test need, on a fresh Debian machine (root):
#   - Debian's prometheus (prometheus and promtool), prometheus-pushgateway,
#     docker-compose (for `docker-compose config`), curl;
#   - the Go linters pinned by the tools module (dashboard-linter,
#     kubeconform, dockerfilelint, k8sschema, promcheck), built into
#     $GAN_TRAIN_TOOLS_BIN (default ~/.cache/gan-train/tools/bin);
#   - the k8s.io/kubernetes module whose swagger.json the schemas come from.
# It is idempotent: a second run installs nothing new.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bindir=${GAN_TRAIN_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/gan-train/tools/bin}
k8s_version=${K8S_VERSION:-v1.34.0}

need=()
for pair in prometheus:prometheus promtool:prometheus prometheus-pushgateway:prometheus-pushgateway \
	docker-compose:docker-compose curl:curl; do
	cmd=${pair%%:*} pkg=${pair#*:}
	command -v "$cmd" >/dev/null || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "install-deploy-tools: apt-get install ${need[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "install-deploy-tools: building the Go linters into $bindir"
mkdir -p "$bindir"
go -C "$root/tools" build -o "$bindir/" \
	github.com/grafana/dashboard-linter \
	github.com/yannh/kubeconform/cmd/kubeconform \
	./dockerfilelint ./k8sschema ./promcheck

echo "install-deploy-tools: fetching k8s.io/kubernetes@$k8s_version (for its OpenAPI spec)"
go -C "$root/tools" mod download k8s.io/kubernetes@"$k8s_version"

promtool --version 2>&1 | head -n 1
prometheus-pushgateway --version 2>&1 | head -n 1
echo "install-deploy-tools: done"
