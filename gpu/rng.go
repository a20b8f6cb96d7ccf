//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// Noise fills dst with Philox4x32-10 draws (kernels/rng.cu; package rng is
// the specification), step read from the counter sc:
//
//	for j := 0; 4*j < n; j++:
//	  x = rng.Block(seed, stream, step, j)
//	  Uniform01:  dst[4j+l] = rng.ToUniform01(x[l])
//	  UniformPM1: dst[4j+l] = 2*rng.ToUniform01(x[l]) - 1
//	  Normal:     dst[4j..4j+3] = rng.BoxMuller(x[0], x[1]), rng.BoxMuller(x[2], x[3])
func (be *Backend) Noise(dst model.Buf, dist model.Dist, seed uint64, stream uint32, sc model.Buf) {
	const op = "Noise"
	if dist > model.Normal {
		panic(fmt.Sprintf("gpu: %s: unknown distribution %v", op, dist))
	}
	d := be.arg(op, "dst", dst, 0, false)
	s := counterArg(be, op, "sc", sc)
	if d == nil || s == nil || d.n == 0 {
		return
	}
	be.launchRngNoise(be.elems((d.n+3)/4), block1D, d.ptr(), d.n, int(dist), seed, stream, s.ptr())
}

// Binarize draws Bernoulli(src[i]) with the Uniform01 draws of Noise
// (kernels/rng.cu):
//
//	for i := range dst: dst[i] = 1 if rng.ToUniform01(x_i) < src[i] else 0
//
// x_i the raw draw of index i for (seed, stream, step read from sc).
func (be *Backend) Binarize(dst, src model.Buf, seed uint64, stream uint32, sc model.Buf) {
	const op = "Binarize"
	s := be.arg(op, "src", src, 0, false)
	d := be.arg(op, "dst", dst, src.Len(), true)
	c := counterArg(be, op, "sc", sc)
	if d == nil || s == nil || c == nil || d.n == 0 {
		return
	}
	be.launchRngBinarize(be.elems((d.n+3)/4), block1D, d.ptr(), s.ptr(), d.n, seed, stream, c.ptr())
}
