# The build image scripts/test-image.sh passes to Dockerfile.cuda as
# BUILD_IMAGE: the local Debian base (debootstrap, made by the script) with
# gcc for cgo, and the two files of Debian's nvidia-cuda-dev that the cuda
# build needs, copied from the host (scripts/install-cuda.sh installed them
# there): cuda.h and the libcuda.so link stub. No nvcc: Dockerfile.cuda then
# embeds the committed kernels/*.fatbin, as it does with nvcc (it only
# compares them), and CI's `make kernels-check` compares them with Debian's
# nvcc.
# The Go toolchain comes in through Dockerfile.cuda's GO_IMAGE.
#
# host-ca.crt is the host's CA bundle, so that `go mod download` in the
# build trusts what the host trusts; GOPROXY and GOSUMDB are the host's too.
ARG BASE_IMAGE=gan-train-test/debian:bookworm
FROM ${BASE_IMAGE}

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev make ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY cuda.h /usr/include/cuda.h
COPY libcuda.so /usr/lib/x86_64-linux-gnu/stubs/libcuda.so
COPY host-ca.crt /usr/local/share/gan-train-test/host-ca.crt

# Unset (empty), Go uses its defaults.
ARG GOPROXY=
ARG GOSUMDB=
ENV SSL_CERT_FILE=/usr/local/share/gan-train-test/host-ca.crt \
    GOPROXY=${GOPROXY} \
    GOSUMDB=${GOSUMDB}
