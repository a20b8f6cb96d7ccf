// Package kernels ships gan-train's CUDA kernels as fat binaries.
//
// Each kernel family lives in one .cu file in this directory, whose header
// comment states the formula it computes, the CPU backend method it must
// match (the contract is model.Backend) and its build line:
//
//	dense.cu      fused dense+bias+activation forward; backward with the
//	              activation gradient, dx, dw and db in one launch
//	loss.cu       stable logit binary cross-entropy with its gradient,
//	              mean sigmoid, sum of squares, softmax cross-entropy;
//	              deterministic fixed-order reductions
//	adam.cu       Adam over a whole contiguous parameter buffer
//	rng.cu        Philox4x32-10 noise, binarization and dropout,
//	              bit-identical to package rng; counter set and increment
//	misc.cu       copy, fill, affine, batch gathering through a permutation
//	variants.cu   f-GAN divergence losses, one-hot codes, column copies,
//	              maxout, generator weight averaging
//	pyramid.cu    2x down- and upsampling of the Laplacian pyramid (LAPGAN)
//	minibatch.cu  minibatch discrimination forward and backward; accumulate
//
// `make kernels` (rules in kernels/kernels.mk) compiles each into a fat
// binary holding SASS for sm_80 and sm_90 and compute_70 PTX as the
// fallback; the fat binaries are generated and committed (with
// compiler_gen.go, naming the nvcc release), so building Go code never
// needs nvcc. In CI, kernels/check-stale.sh verifies that they match the
// sources and kernels/check-ptxas.sh that every kernel assembles for sm_90
// without register spills. This package only embeds the images and reads
// their table of contents (Contents); it has no build tag and no cgo.
// Package gpu (build tags cuda or cudaemu) loads them into a CUDA context,
// or, on the emulated device, runs the same .cu sources compiled as host
// C++ (package internal/cudaemu).
//
// Why our own kernels and not cuBLAS: the seed GAN's products are small
// (batch 128, widths 100 to 784) and fused with their bias, activation and
// gradient epilogues, where one tiled kernel per layer does the work of a
// GEMM plus two element-wise launches. For large networks the choice
// between this tiled SGEMM and cuBLAS is to be measured on a GPU (the GPU
// step-speed work); no GPU figure exists yet.
package kernels
