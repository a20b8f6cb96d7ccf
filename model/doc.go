// Package model defines what a gan-train network is and what a compute
// backend must do for it.
//
// A network is an MLPSpec (input width, dense layers with an activation
// each, an initialisation scheme) turned into an MLP on a Backend: all
// parameters in one contiguous buffer, so that one fused Adam call updates
// a whole network, with per-layer views for the dense operations.
//
// Backend is the small interface of fused operations that the CPU backend
// (package cpu) and the CUDA backend (package gpu, build tag cuda) both
// implement: dense+bias+activation forward and backward, the stable logit
// binary cross-entropy with its gradient, softmax cross-entropy, Adam,
// Philox noise and binarization, row gathering and the reductions metrics
// need. Package model/backendtest is the conformance suite both run.
package model
