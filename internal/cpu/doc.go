// Package cpu is the pure-Go implementation of model.Backend: the readable
// reference of every gan-train operation, and the fallback when no GPU is
// present.
//
// The operations live in one file per group of model.Backend, named as in
// package model and package gpu: memory.go, elementwise.go, dense.go,
// loss.go, adam.go, rng.go, layout.go, regularize.go, minibatch.go,
// pyramid.go, average.go. Each exported operation's Go doc states the loop
// it computes. The dense
// layers are the heavy operations (about 0.26 GFLOP per step of the Edward
// preset). Options.GEMM picks their matrix product. All but gonum's run
// this package's own blocked product: operands are packed into narrow
// panels, a register-tiled micro-kernel runs over each pair of panels, and
// bias and activation are applied as the tile is written (the epilogue).
// The micro-kernels:
//
//   - AVX2GEMM, the default on amd64 CPUs with AVX2 and FMA: a 6x16 tile in
//     twelve YMM accumulators (kernel_amd64.s), one fused multiply-add per
//     term. It made the Edward step about twice as fast as gonum's Sgemm
//     in the same benchmark run (bench/RESULTS.md). Its driver
//     (gemm_direct.go) reads A in place through row and column strides
//     instead of packing it, packs B with AVX loops, splits the sums into
//     blocks of 256 terms that continue from C, and writes full tiles with
//     the bias straight into C: the same bits as the packed path.
//   - TiledGEMM: the portable Go kernel, 2 rows by 3 columns, the widest
//     tile that the Go compiler keeps in registers on amd64.
//
// GonumGEMM, the default elsewhere, is gonum's Sgemm (its SSE assembly made
// it about 1.8 times faster than the portable kernel) followed by a
// bias-and-activation pass. The purego build tag leaves the assembly out.
//
// The activations are float32 functions (act.go: sigmoid and tanh after
// Cephes's expf and tanhf, within 4 ulps), applied with AVX2 loops where the
// CPU has them and with scalar Go loops that give the same bits elsewhere;
// Adam and the Philox uniform draws of Noise, Binarize and Dropout have
// AVX2 loops with the same property. Only the matrix product's engine
// changes results.
// The backward pass computes dz = dy ⊙ act'(y) once and feeds it to the two
// products and the bias gradient.
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
