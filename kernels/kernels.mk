# kernels/kernels.mk: how the CUDA kernels are built. Included by the top
# Makefile; paths are relative to the repository root.
#
#   make kernels          regenerate kernels/*.fatbin and kernels/compiler_gen.go (needs nvcc)
#   make kernels-check    fail when the committed fat binaries are stale (skips without nvcc)
#   make kernels-ptxas    ptxas -arch=sm_90 assembles every kernel, with no register spills
#
# Each fat binary holds SASS for sm_80 (A100) and sm_90 (H100, H200), so
# those GPUs load the kernels without a JIT, and compute_70 PTX as the
# fallback the driver JIT-compiles for any other GPU of compute capability
# 7.0 or later (cached under CUDA_CACHE_PATH). They are generated, committed
# (compressed, deterministic for a given nvcc release) and embedded into the
# Go binary by kernels/embed.go, so building gan-train never needs nvcc.

NVCC ?= nvcc
KERNEL_GENCODE := -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
	-gencode arch=compute_70,code=compute_70
KERNEL_NVCCFLAGS ?= --fatbin $(KERNEL_GENCODE) -Xfatbin -compress-all
KERNEL_NAMES := memory elementwise dense loss adam rng layout regularize pyramid minibatch average
KERNEL_FATBIN := $(KERNEL_NAMES:%=kernels/%.fatbin)

.PHONY: kernels kernels-check kernels-ptxas

kernels: $(KERNEL_FATBIN) kernels/compiler_gen.go

kernels/%.fatbin: kernels/%.cu $(wildcard kernels/*.cuh)
	$(NVCC) $(KERNEL_NVCCFLAGS) -o $@ $<

kernels/compiler_gen.go: $(KERNEL_FATBIN)
	sh kernels/gen-compiler.sh "$(NVCC)" >$@

kernels-check:
	sh kernels/check-stale.sh "$(KERNEL_NVCCFLAGS)"

kernels-ptxas:
	sh kernels/check-ptxas.sh
