// Package model defines what a gan-train network is and what a compute
// backend must do for it.
//
// A network is a NetSpec (input width, layers: dense with an activation,
// or maxout, each optionally followed by dropout, and optional minibatch
// discrimination before the last layer; an initialisation scheme) turned
// into a Net on a Backend: all parameters in one contiguous buffer, so
// that one fused Adam call updates a whole network, with per-layer views
// for the dense operations. NewNet builds a Net from its NetSpec, and the
// same NetSpec is what a checkpoint records of the network (format
// version 2; version 1 files, which recorded dense layers only, are
// still read: see Checkpoint.CompleteSpecs).
//
// Backend is the contract of fused operations that every compute backend
// implements in full: the CPU backend (package cpu) and the CUDA backend
// (package gpu). It is composed, as gonum composes blas.Float32 from the
// BLAS levels, of groups named by what the operations do, one file each:
// memory (buffers, copies, counters), elementwise, dense (fused
// dense+bias+activation forward and backward), loss (the stable logit
// binary cross-entropy, softmax cross-entropy and the f-GAN objectives,
// each with its gradient, and the reductions metrics need), adam, rng
// (Philox noise and binarization), layout (row gathers, one-hot codes,
// column copies), regularize (maxout, dropout), pyramid (Laplacian-pyramid
// resampling), minibatch (minibatch discrimination) and average (parameter
// averaging). Graph capture (Capturer) is the only optional capability.
// Package model/backendtest is the conformance suite every backend runs.
package model
