// Package backendtest is the conformance suite of model.Backend, in the
// manner of gonum's testblas: the suite takes an implementation as an
// argument, so the CPU backend's tests and the CUDA backend's test binary
// run the same checks.
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, myBackend, backendtest.DefaultTolerance())
//	}
//
// Run checks every operation against float64 reference implementations
// written here, independently of any backend, on fresh random inputs and
// awkward shapes (1, 3, 17, 127, 129, 785: sizes that are not multiples of
// any tile or block), every activation, the nil-output variants of the
// backward passes, extreme logits, and counters. Every Buf the suite hands
// to an operation is a View in the middle of a larger allocation whose
// margins must be left untouched. Floating-point results must satisfy
// |got-want| <= Atol + Rtol*|want|; a failure reports the first mismatches
// (index, got, want) and the largest error. Noise and Binarize must match
// package rng exactly, since rng is their specification.
//
// Determinism runs one fixed sequence of operations on several backends (or
// the same backend twice) and requires bit-identical results.
//
// RunVariants, RunMinibatch and RunPyramid check the optional extensions of
// model/variants.go (f-GAN losses, one-hot and column copies, maxout and
// dropout; minibatch discrimination, with finite differences of its
// backward pass) and model/pyramid.go (Laplacian-pyramid resampling) the
// same way; MinibatchDeterminism is Determinism for minibatch discrimination.
package backendtest
