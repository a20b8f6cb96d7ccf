// Package cpu is the pure-Go implementation of model.Backend: the readable
// reference of every gan-train operation, and the fallback when no GPU is
// present.
//
// Each exported operation's Go doc states the loop it computes. The dense
// layers are the only heavy operations (about 0.26 GFLOP per step of the
// Edward preset). Options.GEMM picks their matrix product: by default
// gonum's Sgemm (its SSE assembly made it about 1.8 times faster than
// anything scalar Go code reached here) followed by a bias-and-activation
// pass, or TiledGEMM, this package's own blocked product: operands are
// packed into narrow panels, a small register-tiled micro-kernel (2 rows by
// 3 columns, the widest tile that the Go compiler keeps in registers on
// amd64) runs over each pair of panels, and bias and activation are applied
// as the tile is written (the epilogue). The backward pass computes
// dz = dy ⊙ act'(y) once and feeds it to the two products and the bias
// gradient.
//
// Determinism: work is split among goroutines by output rows or columns
// only, and every output element is a sum over the full reduction dimension
// in one fixed order, so results are bit-identical whatever the worker
// count. Reductions to a scalar (losses, metrics) accumulate serially in
// float64.
//
// Buffers are Go slices: Slice returns the []float32 behind a Buf, which
// tests and tools may read and write directly. A Backend is not safe for
// concurrent use; the goroutines it starts end before each call returns.
package cpu
