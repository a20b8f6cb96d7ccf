# kernels/kernels.mk: how the CUDA kernels are built. Included by the top
# Makefile; paths are relative to the repository root.
#
#   make kernels         regenerate kernels/*.ptx from kernels/*.cu (needs nvcc)
#   make kernels-check   fail when the committed PTX is stale (skips without nvcc)
#
# The PTX targets compute_70 (virtual architecture, PTX ISA 7.8 with nvcc
# 11.8): the driver JIT-compiles it for the GPU it finds (sm_70 and newer,
# H100 included) and caches the result. The generated files are committed
# and embedded into the Go binary by kernels/embed.go, so building gan-train
# never needs nvcc.

NVCC ?= nvcc
KERNEL_NVCCFLAGS ?= --ptx -arch=compute_70
KERNEL_NAMES := dense loss adam rng misc variants pyramid minibatch
KERNEL_PTX := $(KERNEL_NAMES:%=kernels/%.ptx)

.PHONY: kernels kernels-check kernels-fatbin

kernels: $(KERNEL_PTX)

kernels/%.ptx: kernels/%.cu kernels/common.cuh
	$(NVCC) $(KERNEL_NVCCFLAGS) -o $@ $<

kernels-check:
	sh kernels/check-stale.sh

# Optional: fat binaries with sm_90 code plus compute_70 PTX, to skip the JIT
# at start-up on an H100. Not committed or embedded; for experiments.
kernels-fatbin: $(KERNEL_NAMES:%=kernels/%.fatbin)

kernels/%.fatbin: kernels/%.cu kernels/common.cuh
	$(NVCC) --fatbin -gencode arch=compute_90,code=sm_90 -gencode arch=compute_70,code=compute_70 -o $@ $<
