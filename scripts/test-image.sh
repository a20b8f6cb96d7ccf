#!/usr/bin/env bash
# test-image.sh: build the gan-train image and run it as a user would, with
# no image registry (make test-image; .ci/run runs it).
#
#   bash scripts/test-image.sh          (root; Debian bookworm)
#
# 1. Installs Debian's docker.io, docker-compose and debootstrap where they
#    are missing, and starts a Docker engine of its own (data, sockets and
#    state in a temporary directory; stopped and removed at the end).
# 2. Makes the base images locally: Debian bookworm with `debootstrap
#    --variant=minbase` from the mirror of /etc/apt/sources.list.d/
#    debian.sources, imported with `docker import`; the host's Go toolchain
#    imported the same way; a build image (deploy/test/Dockerfile.builder:
#    gcc, and cuda.h and the libcuda stub of Debian's nvidia-cuda-dev, from
#    scripts/install-cuda.sh); a Prometheus image from Debian's package
#    (deploy/test/Dockerfile.prometheus).
# 3. Builds Dockerfile.cuda, unmodified, with those as its GO_IMAGE,
#    BUILD_IMAGE and RUNTIME_IMAGE, and checks, each as an assertion:
#    the default `docker run IMAGE` trains into its volume as a non-root
#    user, with the CPU fallback warning; /metrics and /healthz answer
#    through a port published on 127.0.0.1; the HEALTHCHECK turns healthy;
#    `docker stop` leaves a checkpoint and exit code 0, and a second run on
#    the same volume resumes from it; `train --device cuda` exits 1 with the
#    `--gpus all` hint and none of the driver's own messages; `--device
#    auto` falls back to the CPU with the warning. It reports the size.
# 4. The compose stack: deploy/docker-compose.yml as it is (image tagged
#    gan-train:cuda) must fail loudly without a GPU; then with
#    deploy/docker-compose.test.yml (local images, a tiny evaluated run) the
#    project's Prometheus with its rules scrapes the containerised run, and
#    tools/promcheck asserts that every recording rule and dashboard query
#    returns data, as scripts/prom-integration.sh does on the host.
#
# The engine has a do-nothing nvidia-container-runtime-hook on its PATH, so
# that it accepts the GPU reservation of docker-compose.yml (Docker's
# "nvidia" device driver exists only where that hook is found); it mounts no
# driver, so the containers see no GPU, as on a host without one.
#
# Every container, volume, network and image made here lives in the
# engine's own data directory; the script removes them one by one, checks
# that none is left, stops the engine and deletes the directory, whatever the
# outcome. It prints each phase's duration and ends with "N passed, N
# failed". No package host is named here: the mirror is read from the
# machine's apt sources at run time.
#
# Environment: TEST_IMAGE_BUDGET_S (default 900) fails the run when it took
# longer; TEST_IMAGE_REV=REV builds from `git archive REV` instead of the
# working tree; KEEP_TMP=1 keeps the temporary directory (logs) after the
# engine is stopped; TEST_IMAGE_FRESH_BASE=1 runs debootstrap even where a
# root filesystem of the last 24 hours is cached (~/.cache/gan-train).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

DOCKER=/usr/bin/docker
COMPOSE=/usr/bin/docker-compose
budget_s=${TEST_IMAGE_BUDGET_S:-900}
t_start=$(date +%s)

say() { printf 'test-image: %s\n' "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }

# ---- phases, durations and results --------------------------------------------
phase_name=""
phase_t0=$t_start
durations=()
phase() {
	local now
	now=$(date +%s)
	if [ -n "$phase_name" ]; then
		durations+=("$(printf '%4ss  %s' $((now - phase_t0)) "$phase_name")")
	fi
	phase_name=$1
	phase_t0=$now
	printf '\n=== %s (at %ss)\n' "$1" $((now - t_start))
}
passed=0
failed=0
results=()
pass() {
	passed=$((passed + 1))
	results+=("ok    $1")
	say "ok: $1"
}
# fail NAME [DETAIL...]: record the failed check and stop the run.
fail() {
	failed=$((failed + 1))
	results+=("FAIL  $1")
	say "FAIL: $1" >&2
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" >&2; done
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts dockerd)"
[ -r /etc/os-release ] && . /etc/os-release
[ "${ID:-}" = debian ] || die "needs a Debian machine (found ${ID:-unknown})"

work=$(mktemp -d /var/tmp/gan-train-test-image.XXXXXX)
sock=$work/docker.sock
export DOCKER_HOST=unix://$sock
export DOCKER_BUILDKIT=0 # the classic builder: BuildKit's '# syntax=' line would fetch a frontend image
export COMPOSE_INTERACTIVE_NO_CLI=1
dockerd_pid=""
docker0_existed=1
compose_projects=()

dk() { "$DOCKER" "$@"; }

# ---- cleanup --------------------------------------------------------------------
cleanup() {
	local status=$? c n left
	set +e
	trap - EXIT INT TERM
	if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
		if [ "$status" -ne 0 ]; then
			for c in $(dk ps -aq 2>/dev/null); do
				n=$(dk inspect -f '{{.Name}}' "$c")
				echo "--- last lines of container ${n#/}" >&2
				dk logs --tail 30 "$c" 2>&1 | sed 's/^/    /' >&2
			done
		fi
		phase "cleanup"
		for p in "${compose_projects[@]}"; do
			"$COMPOSE" -p "$p" -f deploy/docker-compose.yml down -v --remove-orphans >/dev/null 2>&1
		done
		c=$(dk ps -aq)
		[ -z "$c" ] || dk rm -f -v $c >/dev/null
		c=$(dk volume ls -q)
		[ -z "$c" ] || dk volume rm $c >/dev/null
		dk network prune -f >/dev/null
		c=$(dk images -aq)
		[ -z "$c" ] || dk rmi -f $c >/dev/null 2>&1
		left="$(dk ps -aq | wc -l) containers, $(dk volume ls -q | wc -l) volumes, $(dk images -aq | wc -l) images, $(dk network ls -q --filter type=custom | wc -l) networks"
		say "left behind in the engine: $left"
		case $left in
		"0 containers, 0 volumes, 0 images, 0 networks") ;;
		*)
			say "FAIL: cleanup left objects behind" >&2
			status=1
			;;
		esac
		kill -TERM "$dockerd_pid"
		for _ in $(seq 1 150); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
		say "dockerd (pid $dockerd_pid) stopped"
		if [ "$docker0_existed" = 0 ] && ip link show docker0 >/dev/null 2>&1; then
			ip link delete docker0
		fi
	fi
	# Whatever dockerd left mounted under the work directory (after a KILL).
	grep -o " $work/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
	local now total
	now=$(date +%s)
	[ -z "$phase_name" ] || durations+=("$(printf '%4ss  %s' $((now - phase_t0)) "$phase_name")")
	total=$((now - t_start))
	printf '\n=== durations\n'
	printf '%s\n' "${durations[@]}"
	printf '%4ss  total (budget %ss)\n' "$total" "$budget_s"
	printf '\n=== results\n'
	printf '%s\n' "${results[@]}"
	if [ "$status" -eq 0 ] && [ "$total" -gt "$budget_s" ]; then
		say "FAIL: took ${total}s, over the ${budget_s}s budget" >&2
		failed=$((failed + 1))
		status=1
	fi
	[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
	echo "test-image: $passed passed, $failed failed"
	exit "$status"
}
trap cleanup EXIT
# Name the command that stopped the run (not those run under set +e).
trap '[[ $- != *e* ]] || say "ERROR: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" # free_port

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every half second.
wait_until() {
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq 1 $((secs * 2))); do
		if "$@" >/dev/null 2>&1; then
			say "$what after $((i / 2))s"
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# ---- 1. tools and engine ---------------------------------------------------------
phase "install: docker.io, docker-compose, debootstrap (where missing)"
need=()
for pkg in docker.io docker-compose debootstrap curl iproute2; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	say "apt-get install ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$work/apt.log" ||
		{ tail -n 20 "$work/apt.log" >&2; die "apt-get install ${need[*]} failed"; }
fi
goroot=$(go env GOROOT 2>/dev/null) || die "go not found (Go 1.26 at /usr/local/go; see .ci/run)"
cuda_h=/usr/include/cuda.h
cuda_stub=/usr/lib/x86_64-linux-gnu/stubs/libcuda.so
[ -f "$cuda_h" ] && [ -f "$cuda_stub" ] || die "$cuda_h or $cuda_stub missing: run scripts/install-cuda.sh (Debian's nvidia-cuda-dev)"
"$DOCKER" --version
"$COMPOSE" version --short

phase "start dockerd"
if pgrep -x dockerd >/dev/null; then
	die "a Docker engine is already running (dockerd pid $(pgrep -x dockerd | head -n 1)); this test starts and stops its own: stop that one first"
fi
ip link show docker0 >/dev/null 2>&1 || docker0_existed=0
mkdir -p "$work/hook"
cat >"$work/hook/nvidia-container-runtime-hook" <<'EOF'
#!/bin/sh
# Test stand-in for the NVIDIA container toolkit's OCI hook: dockerd
# registers its "nvidia" device driver (--gpus, compose GPU reservations)
# only where this program is on its PATH. It mounts nothing: no GPU.
cat >/dev/null
exit 0
EOF
chmod 0755 "$work/hook/nvidia-container-runtime-hook"
# niced, as every build here: its containers (the image build too) inherit it.
PATH=$work/hook:$PATH nice -n 10 dockerd --data-root "$work/docker" --exec-root "$work/exec" \
	--pidfile "$work/dockerd.pid" --host "$DOCKER_HOST" --log-level warn >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
wait_until 60 "dockerd (pid $dockerd_pid) answers" dk version ||
	{ tail -n 20 "$work/dockerd.log" >&2; die "dockerd did not start"; }
dk info --format 'engine {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupVersion}}'

# ---- 2. local base images ------------------------------------------------------
phase "local bases: debootstrap bookworm, docker import; the host's Go toolchain"
# The mirror: the first URI of the deb822 stanza that lists bookworm, as apt
# itself uses it (or the first 'deb' line of sources.list).
mirror=""
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
	mirror=$(awk '
		/^[[:space:]]*$/ { if (suite && uri) { print uri; exit } suite = 0; uri = ""; next }
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
		END { if (suite && uri) print uri }
	' /etc/apt/sources.list.d/debian.sources | head -n 1)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || die "no bookworm mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
base=gan-train-test/debian:bookworm
t=$(date +%s)
# A developer's rerun within a day reuses the last root filesystem
# (TEST_IMAGE_FRESH_BASE=1 makes a new one); CI's machine has none.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gan-train/test-image
basetar=$cache/debian-bookworm-minbase.tar
if [ "${TEST_IMAGE_FRESH_BASE:-0}" != 1 ] && [ -n "$(find "$basetar" -mmin -1440 2>/dev/null)" ]; then
	say "reusing $basetar from $(date -r "$basetar" '+%F %T')"
else
	say "debootstrap --variant=minbase bookworm from the mirror of the apt sources"
	debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	mkdir -p "$cache"
	tar -C "$work/rootfs" -cf "$basetar.tmp" .
	mv "$basetar.tmp" "$basetar"
	rm -rf "$work/rootfs"
fi
dk import - "$base" <"$basetar" >/dev/null
say "$base: $(($(dk image inspect -f '{{.Size}}' "$base") / 1000000)) MB, $(($(date +%s) - t))s"
goimg=gan-train-test/go:host
tar -C "$(dirname "$goroot")" -c --transform "s,^$(basename "$goroot"),usr/local/go," "$(basename "$goroot")" |
	dk import - "$goimg" >/dev/null
say "$goimg: $("$goroot/bin/go" version) from $goroot"

phase "local build and Prometheus images (deploy/test/)"
ctx=$work/builder-context
mkdir -p "$ctx"
cp "$cuda_h" "$cuda_stub" "$ctx/"
cp "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$ctx/host-ca.crt"
builder=gan-train-test/builder:bookworm
promimg=gan-train-test/prometheus:debian
# The Prometheus image downloads while the build image compiles nothing yet;
# both are mostly apt, so they run side by side.
dk build -q -f deploy/test/Dockerfile.prometheus --build-arg BASE_IMAGE="$base" -t "$promimg" "$ctx" >"$work/prometheus-build.log" 2>&1 &
prom_build=$!
dk build -q -f deploy/test/Dockerfile.builder --build-arg BASE_IMAGE="$base" \
	--build-arg GOPROXY="$(go env GOPROXY)" --build-arg GOSUMDB="$(go env GOSUMDB)" \
	-t "$builder" "$ctx" >"$work/builder-build.log" 2>&1 ||
	{ tail -n 30 "$work/builder-build.log" >&2; die "building $builder failed"; }
wait "$prom_build" || { tail -n 30 "$work/prometheus-build.log" >&2; die "building $promimg failed"; }
dk run --rm --entrypoint /usr/bin/prometheus "$promimg" --version 2>&1 | head -n 1

# ---- 3. the image -----------------------------------------------------------------
phase "docker build -f Dockerfile.cuda with the local bases"
image=gan-train-test/gan-train:cuda
if [ -n "${TEST_IMAGE_REV:-}" ]; then
	src=$work/src
	mkdir -p "$src"
	git archive "$TEST_IMAGE_REV" | tar -x -C "$src"
	version=$(git describe --always "$TEST_IMAGE_REV")
	say "building from git archive $TEST_IMAGE_REV ($version)"
else
	src=$root
	version=$(git describe --always --dirty 2>/dev/null || echo dev)
fi
dk build -f "$src/Dockerfile.cuda" \
	--build-arg GO_IMAGE="$goimg" --build-arg BUILD_IMAGE="$builder" --build-arg RUNTIME_IMAGE="$base" \
	--build-arg VERSION="$version" -t "$image" "$src" >"$work/image-build.log" 2>&1 ||
	{ tail -n 40 "$work/image-build.log" >&2; die "docker build -f Dockerfile.cuda failed (log above)"; }
grep '^note:' "$work/image-build.log" || true
size=$(dk image inspect -f '{{.Size}}' "$image")
base_size=$(dk image inspect -f '{{.Size}}' "$base")
size_report="$((size / 1000000)) MB ($((base_size / 1000000)) MB Debian base + $(((size - base_size) / 1000000)) MB of gan-train)"
say "image $image: $size_report"
pass "image built: $size_report"

phase "docker run IMAGE: the default command"
user=$(dk image inspect -f '{{.Config.User}}' "$image")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as a non-root user" "USER is '$user'"
dk run -d --name default -p 127.0.0.1::2112 "$image" >/dev/null
port=$(dk port default 2112/tcp | head -n 1)
case $port in 127.0.0.1:*) ;; *) fail "port 2112 published on 127.0.0.1" "docker port: $port" ;; esac
url=http://$port
if ! wait_until 60 "/healthz answers on $port" curl -fsS --max-time 2 "$url/healthz"; then
	fail "/healthz answers through the published port" "$(dk logs default 2>&1 | tail -n 20)"
fi
health=$(curl -sS --max-time 5 "$url/healthz")
grep -q '"status":"ok"' <<<"$health" || fail "/healthz says ok while training" "$health"
metrics=$(curl -fsS --max-time 5 "$url/metrics")
grep -q '^gan_train_info{' <<<"$metrics" || fail "/metrics serves gan_train_info" "$(echo "$metrics" | head -n 20)"
grep -q '^gan_train_steps_total ' <<<"$metrics" || fail "/metrics serves gan_train_steps_total"
pass "/healthz ($health) and /metrics ($(echo "$metrics" | grep -c '^gan_train_') gan_train_* samples) through 127.0.0.1:${port#*:}"

pid=$(dk inspect -f '{{.State.Pid}}' default)
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ "$uid" -ne 0 ] || fail "the training process is not root" "uid $uid"
vol=$(dk inspect -f '{{range .Mounts}}{{if eq .Destination "/runs"}}{{.Name}}{{end}}{{end}}' default)
[ -n "$vol" ] || fail "the default run has a volume at /runs" "$(dk inspect -f '{{json .Mounts}}' default)"
voldir=$(dk volume inspect -f '{{.Mountpoint}}' "$vol")
wait_until 30 "a config.yaml in the volume" sh -c "find '$voldir' -name config.yaml | grep -q ." ||
	fail "the default run writes its run directory into the volume" "$(find "$voldir" | head)"
rundir=$(dirname "$(find "$voldir" -name config.yaml | head -n 1)")
owner=$(stat -c %u "$rundir")
[ "$owner" = "$uid" ] || fail "the run directory belongs to the training user" "$rundir owned by $owner, process uid $uid"
logs=$(dk logs default 2>&1)
grep -q 'no usable GPU, training on the CPU' <<<"$logs" || fail "the default run warns that it falls back to the CPU" "$logs"
pass "default run: uid $uid (user $user) trains into volume /runs/${rundir#"$voldir"/}, CPU fallback warned"

# The HEALTHCHECK (interval 15s) turns healthy while the run trains.
if ! wait_until 90 "HEALTHCHECK healthy" sh -c "[ \"\$($DOCKER inspect -f '{{.State.Health.Status}}' default)\" = healthy ]"; then
	fail "the HEALTHCHECK turns healthy while training" "$(dk inspect -f '{{json .State.Health}}' default)"
fi
pass "HEALTHCHECK healthy while training ($(dk inspect -f '{{len .State.Health.Log}}' default) probe(s))"

phase "docker stop (SIGTERM): a checkpoint and exit 0; a second run resumes"
t=$(date +%s)
dk stop -t 30 default >/dev/null
code=$(dk inspect -f '{{.State.ExitCode}}' default)
[ "$code" = 0 ] || fail "docker stop: exit code 0" "exit code $code; $(dk logs --tail 10 default 2>&1)"
ckpt=$rundir/checkpoints/latest.ckpt
[ -s "$ckpt" ] || fail "docker stop leaves a checkpoint" "no $ckpt; $(find "$rundir" | head -n 20)"
stopped_step=$(dk logs default 2>&1 | sed -n 's/.*msg="interrupted: writing a checkpoint" step=\([0-9]*\).*/\1/p' | tail -n 1)
[ -n "$stopped_step" ] || fail "the stopped run logs the step of its checkpoint" "$(dk logs --tail 10 default 2>&1)"
pass "docker stop: exit 0 after $(($(date +%s) - t))s, checkpoint at step $stopped_step ($(stat -c %s "$ckpt") bytes)"
dk rm default >/dev/null

dk run -d --name resumed -v "$vol:/runs" -p 127.0.0.1::2112 "$image" >/dev/null
wait_until 60 "the second run logs its resume" sh -c "$DOCKER logs resumed 2>&1 | grep -q 'msg=resuming'" ||
	fail "a second docker run on the same volume resumes" "$(dk logs resumed 2>&1 | tail -n 20)"
resumed_step=$(dk logs resumed 2>&1 | sed -n 's/.*msg=resuming .*step=\([0-9]*\).*/\1/p' | head -n 1)
[ "$resumed_step" = "$stopped_step" ] || fail "the second run resumes at the checkpoint's step" "stopped at $stopped_step, resumed at $resumed_step"
url2=http://$(dk port resumed 2112/tcp | head -n 1)
wait_until 60 "the resumed run serves /healthz" curl -fsS --max-time 2 "$url2/healthz" ||
	fail "the resumed run serves /healthz" "$(dk logs resumed 2>&1 | tail -n 20)"
healthz_step() { curl -fsS --max-time 5 "$1/healthz" | sed -n 's/.*"step":\([0-9]*\).*/\1/p'; }
# At once (within a second of the resume: the trainer's start hook follows
# its "resuming" line by milliseconds), not only after the first logged step.
for _ in $(seq 1 10); do
	step_now=$(healthz_step "$url2")
	[ "${step_now:-0}" -lt "$resumed_step" ] || break
	sleep 0.1
done
[ "${step_now:-0}" -ge "$resumed_step" ] || fail "the resumed run's /healthz starts at the checkpoint's step" "step ${step_now:-?}, resumed at $resumed_step"
wait_until 60 "the resumed run trains past step $resumed_step" sh -c "[ \"\$(curl -fsS --max-time 5 $url2/healthz | sed -n 's/.*\"step\":\([0-9]*\).*/\1/p')\" -gt $resumed_step ]" ||
	fail "the resumed run trains on from the checkpoint" "$(dk logs --tail 10 resumed 2>&1)"
step_later=$(healthz_step "$url2")
dk stop -t 30 resumed >/dev/null
code=$(dk inspect -f '{{.State.ExitCode}}' resumed)
[ "$code" = 0 ] || fail "the resumed run stops with exit code 0" "exit code $code"
pass "second docker run on volume ${vol:0:12} resumed at step $resumed_step (/healthz: step $step_now at once, $step_later later), stopped with exit 0"
dk rm -v resumed >/dev/null
dk volume rm "$vol" >/dev/null

phase "docker run IMAGE train --device cuda / --device auto, without a GPU"
set +e
out=$(dk run --rm "$image" train --device cuda --preset tiny --steps 3 --listen '' 2>&1)
code=$?
set -e
[ "$code" = 1 ] || fail "--device cuda without a GPU exits 1" "exit code $code: $out"
grep -q -- '--gpus all' <<<"$out" || fail "--device cuda without a GPU names --gpus all" "$out"
if grep -qiE 'docs\.nvidia\.com|Error in initialization|error while loading shared libraries|cannot open shared object file|cuInit|CUDA_ERROR' <<<"$out"; then
	fail "--device cuda without a GPU: none of the driver's own messages" "$out"
fi
pass "--device cuda: exit 1, $(echo "$out" | grep -c .) line(s): $(echo "$out" | head -n 1 | cut -c1-110)..."
set +e
out=$(dk run --rm "$image" train --device auto --preset tiny --steps 20 --listen '' 2>&1)
code=$?
set -e
[ "$code" = 0 ] || fail "--device auto without a GPU trains on the CPU" "exit code $code: $out"
grep -q 'no usable GPU, training on the CPU' <<<"$out" || fail "--device auto warns that it falls back" "$out"
grep -q 'device=cpu-fallback' <<<"$out" || fail "--device auto reports the cpu-fallback device" "$out"
pass "--device auto: the fallback warning, 20 steps on the CPU, exit 0"

# ---- 4. the compose stack --------------------------------------------------------
phase "compose: deploy/docker-compose.yml as it is, without a GPU"
dk tag "$image" gan-train:cuda
export GAN_TRAIN_PORT PROMETHEUS_PORT GRAFANA_PORT
GAN_TRAIN_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
GRAFANA_PORT=$(free_port)
proj=gan-train-test-gpu
compose_projects+=("$proj")
"$COMPOSE" -p "$proj" -f deploy/docker-compose.yml up -d --no-build gan-train >"$work/compose-gpu.log" 2>&1 ||
	{ cat "$work/compose-gpu.log" >&2; fail "docker-compose up gan-train (GPU reservation accepted)"; }
cid=$("$COMPOSE" -p "$proj" -f deploy/docker-compose.yml ps -q gan-train)
reqs=$(dk inspect -f '{{range .HostConfig.DeviceRequests}}{{.Driver}}:{{.Count}}:{{.Capabilities}}{{end}}' "$cid")
grep -q '^nvidia:1:' <<<"$reqs" || fail "compose asks for one NVIDIA GPU" "device requests: '$reqs'"
code=$(timeout 60 "$DOCKER" wait "$cid") || fail "compose's gan-train exits without a GPU" "$(dk logs "$cid" 2>&1 | tail)"
out=$(dk logs "$cid" 2>&1)
[ "$code" = 1 ] && grep -q -- '--gpus all' <<<"$out" ||
	fail "compose's gan-train (--device cuda) fails loudly without a GPU" "exit code $code: $out"
pass "compose as shipped: GPU requested ($reqs), gan-train exits 1 with the --gpus all hint"
"$COMPOSE" -p "$proj" -f deploy/docker-compose.yml down -v >/dev/null 2>&1
dk rmi gan-train:cuda >/dev/null

phase "compose: Prometheus scrapes the containerised run (deploy/docker-compose.test.yml)"
export GAN_TRAIN_TEST_IMAGE=$image GAN_TRAIN_TEST_PROMETHEUS_IMAGE=$promimg
proj=gan-train-test
compose_projects+=("$proj")
compose=("$COMPOSE" -p "$proj" -f deploy/docker-compose.yml -f deploy/docker-compose.test.yml)
"${compose[@]}" up -d --no-build gan-train prometheus >"$work/compose.log" 2>&1 ||
	{ cat "$work/compose.log" >&2; fail "docker-compose up gan-train prometheus"; }
prom=http://127.0.0.1:$PROMETHEUS_PORT
wait_until 60 "Prometheus ready on 127.0.0.1:$PROMETHEUS_PORT" sh -c "curl -fsS --max-time 2 $prom/-/ready | grep -q Ready" ||
	fail "the compose Prometheus is ready" "$("${compose[@]}" logs --tail 20 prometheus 2>&1)"
wait_until 60 "gan-train answers on 127.0.0.1:$GAN_TRAIN_PORT" curl -fsS --max-time 2 "http://127.0.0.1:$GAN_TRAIN_PORT/healthz" ||
	fail "the compose gan-train serves /healthz" "$("${compose[@]}" logs --tail 20 gan-train 2>&1)"
q() { curl -fsS --max-time 5 --get "$prom/api/v1/query" --data-urlencode "query=$1"; }
wait_until 90 "the gan-train target is up" sh -c "curl -fsS --max-time 5 --get '$prom/api/v1/query' --data-urlencode 'query=up{job=\"gan-train\"} == 1' | grep -q '\"value\"'" ||
	fail "Prometheus scrapes gan-train:2112" "$(curl -sS "$prom/api/v1/targets")"
target=$(curl -fsS "$prom/api/v1/targets?state=active" | grep -o '"scrapeUrl":"http://gan-train:2112/metrics"' | head -n 1 | cut -d'"' -f4)
[ -n "$target" ] || fail "the scrape target is the compose service gan-train:2112" "$(curl -sS "$prom/api/v1/targets")"
wait_until 90 "samples arrived" sh -c "curl -fsS --max-time 5 --get '$prom/api/v1/query' --data-urlencode 'query=count_over_time(gan_train_steps_total[1m]) >= 5' | grep -q '\"value\"'" ||
	fail "samples of gan_train_steps_total arrive" "$(q 'gan_train_steps_total')"
wait_until 240 "the first evaluation arrived" sh -c "curl -fsS --max-time 5 --get '$prom/api/v1/query' --data-urlencode 'query=gan_train_eval_classifier_score' | grep -q '\"value\"'" ||
	fail "the evaluation gauges arrive" "$("${compose[@]}" logs --tail 20 gan-train 2>&1)"
go -C tools build -o "$work/promcheck" ./promcheck
dashboards=()
for d in deploy/grafana/dashboards/*.json; do dashboards+=(-dashboard "$d"); done
rules=()
for r in deploy/prometheus/rules/*.rules.yml; do rules+=(-rules "$r"); done
# deploy/prometheus/prometheus.yml scrapes gan-train every 5s and Grafana's
# data source says so (timeInterval 5s): $__rate_interval = max($__interval
# + 5s, 4 * 5s) = 20s, and $__interval about 5s for an hour on ~700 px.
"$work/promcheck" -prometheus "$prom" "${dashboards[@]}" "${rules[@]}" \
	-rate-interval 20s -interval 5s -range 1h -timeout 120s -allow-empty "" >"$work/promcheck.log" 2>&1 ||
	{ cat "$work/promcheck.log" >&2; fail "every dashboard query and recording rule returns data from the compose Prometheus"; }
cat "$work/promcheck.log"
pass "compose: Prometheus (Debian's package) scrapes $target; promcheck: $(tail -n 1 "$work/promcheck.log")"
"${compose[@]}" down -v >/dev/null 2>&1

say "every check passed"
