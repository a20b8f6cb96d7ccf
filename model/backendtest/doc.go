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
// Run has one subtest per group of model.Backend (Memory, Elementwise,
// Dense, Loss, Optimiser, Random, Layout, Regularisation, Pyramid,
// Minibatch, Averaging), and each group's checks sit in the file named as
// the group's file in package model (dense.go, loss.go, fgan.go, adam.go,
// ...). Beyond the float64 references: minibatch discrimination's backward
// pass is also checked against central finite differences of the reference
// forward pass, and on a collapsed batch (identical rows, gradient exactly
// zero); a Laplacian pyramid built and collapsed with the resampling
// operations must give back its image, bit for bit for pixels that are
// multiples of 1/256. TestSuiteCoversContract fails when an operation of
// the contract has no check.
//
// Determinism runs one fixed sequence of operations on several backends (or
// the same backend twice) and requires bit-identical results.
package backendtest
