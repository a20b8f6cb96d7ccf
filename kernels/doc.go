// Package kernels ships gan-train's CUDA kernels as fat binaries.
//
// Each kernel family lives in one .cu file in this directory, named after
// the group of model.Backend it implements (model/NAME.go), whose reference
// is the cpu backend's file of the same name (internal/cpu/NAME.go). Its
// header comment lists its kernels with the loop each computes, and names
// that group and that reference:
//
//	memory.cu       copy; counter set and increment (model.MemoryOps)
//	elementwise.cu  fill, affine, accumulate (model.ElementwiseOps)
//	dense.cu        fused dense+bias+activation forward; backward with the
//	                activation gradient, dx, dw and db in one launch
//	                (model.DenseOps)
//	loss.cu         stable logit binary cross-entropy with its gradient,
//	                mean sigmoid, sum of squares, softmax cross-entropy,
//	                f-GAN divergence terms; deterministic fixed-order
//	                reductions (model.LossOps)
//	adam.cu         Adam over a whole contiguous parameter buffer
//	                (model.OptimiserOps)
//	rng.cu          Philox4x32-10 noise and binarization, bit-identical to
//	                package rng (model.RandomOps)
//	layout.cu       batch gathering through a permutation (of floats or of
//	                packed bytes), one-hot codes, column copies
//	                (model.LayoutOps)
//	regularize.cu   maxout forward and backward, dropout
//	                (model.RegularisationOps)
//	pyramid.cu      2x down- and upsampling of the Laplacian pyramid (LAPGAN)
//	                (model.PyramidOps)
//	minibatch.cu    minibatch discrimination forward and backward
//	                (model.MinibatchOps)
//	average.cu      generator weight averaging (model.AveragingOps)
//
// Two headers hold the device helpers more than one file uses:
// common.cuh (the grid-stride loop, activations, sigmoid, log1p(exp(-|x|)),
// the error flag, the counter read, the block sum) and philox.cuh (the
// Philox generator of rng.cu and regularize.cu's dropout).
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
