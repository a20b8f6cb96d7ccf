#!/bin/sh
# install-cuda.sh: install the CUDA toolchain that builds gan-train's GPU path
# on a Debian machine without a GPU (a developer box or CI).
#
# It installs Debian's nvidia-cuda-toolkit (nvcc, with its own host g++) and
# nvidia-cuda-dev (cuda.h and the link stub libcuda.so under
# /usr/lib/x86_64-linux-gnu/stubs), which live in the non-free component;
# nvidia-cuda-dev depends on libcuda1, which depends on nvidia-support from
# contrib. The machine's apt sources may list only main, so this script
# writes a second deb822 sources file with the same URIs, suites and
# Signed-By key as /etc/apt/sources.list.d/debian.sources but
# "Components: contrib non-free". No package host is named here: everything
# is derived from the existing file. No kernel module is installed
# (--no-install-recommends): libcuda1 is pulled in only as a dependency; on a
# machine without a GPU nothing here can run a kernel.
#
# Idempotent: re-running rewrites the same sources file and installs nothing
# when both packages are present. Must run as root. About 860 MB to download
# and 3 GB installed.
set -eu

src=/etc/apt/sources.list.d/debian.sources
dst=/etc/apt/sources.list.d/gan-train-non-free.sources
pkgs="nvidia-cuda-toolkit nvidia-cuda-dev"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-cuda.sh: must run as root" >&2
	exit 1
fi

installed() {
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
	return 0
}

if installed; then
	echo "install-cuda.sh: $pkgs already installed"
	command -v nvcc >/dev/null && nvcc --version | tail -n 2
	exit 0
fi

if [ ! -r "$src" ]; then
	echo "install-cuda.sh: $src not found; add the contrib and non-free components by hand" >&2
	exit 1
fi

# Copy every stanza of the deb822 file, replacing its Components field with
# contrib and non-free and dropping comments. Stanzas are separated by blank lines.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk '
	/^[[:space:]]*#/ { next }
	/^Components:/ { print "Components: contrib non-free"; next }
	{ print }
' "$src" >"$tmp"
if ! grep -q "^Components: contrib non-free" "$tmp"; then
	echo "install-cuda.sh: no Components field in $src" >&2
	exit 1
fi
if ! cmp -s "$tmp" "$dst" 2>/dev/null; then
	install -m 0644 "$tmp" "$dst"
	echo "install-cuda.sh: wrote $dst"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $pkgs
nvcc --version | tail -n 2
