// Package kernels ships gan-train's CUDA kernels as PTX text.
//
// Each kernel family lives in one .cu file in this directory, whose header
// comment states the formula it computes, the CPU backend method it must
// match (the contract is model.Backend) and its build line:
//
//	dense.cu  fused dense+bias+activation forward; backward with the
//	          activation gradient, dx, dw and db in one launch
//	loss.cu   stable logit binary cross-entropy with its gradient,
//	          mean sigmoid, sum of squares, softmax cross-entropy;
//	          deterministic fixed-order reductions
//	adam.cu   Adam over a whole contiguous parameter buffer
//	rng.cu    Philox4x32-10 noise and binarization, bit-identical to
//	          package rng; counter set and increment
//	misc.cu   copy, fill, affine, batch gathering through a permutation
//
// `make kernels` (rules in kernels/kernels.mk) compiles each to PTX for the
// virtual architecture compute_70; the PTX is committed, so building Go code
// never needs nvcc, and kernels/check-stale.sh verifies in CI that it matches
// the sources. This package only embeds the text (it has no build tag and no
// cgo); package gpu (build tag cuda) loads it into a CUDA context.
package kernels
