package cpu

import (
	"fmt"
	"math"

	"gan-train/internal/rng"
	"gan-train/model"
)

// uniformScalar sets dst[i] = rng.ToUniform01(x) of the raw draw x of index
// 4*j0+i in the Philox stream (seed, stream, step): the draws Noise,
// Binarize and Dropout use, four per Philox block.
func uniformScalar(dst []float32, seed uint64, stream, step uint32, j0 int) {
	for j := 0; 4*j < len(dst); j++ {
		x := rng.Block(seed, stream, step, j0+j)
		for l := 0; l < 4 && 4*j+l < len(dst); l++ {
			dst[4*j+l] = rng.ToUniform01(x[l])
		}
	}
}

// uniformChunk is how many uniform draws Binarize and Dropout make at a
// time, into a buffer on the stack.
const uniformChunk = 256

// noiseGrain is the smallest number of draws worth a goroutine (a multiple
// of 4, the Philox block size).
const noiseGrain = 1 << 12

// Noise fills dst with draws keyed by (seed, stream, step), step read from
// the counter sc; index i of dst gets exactly the value that rng.FillUniform01,
// rng.FillUniformPM1 or rng.FillNormal puts at index i:
//
//	for j := 0; 4*j < n; j++:
//	  x := rng.Block(seed, stream, step, j)
//	  dst[4j+l] = map(x)[l] for l in 0..3 (while 4j+l < n)
func (be *Backend) Noise(dst model.Buf, dist model.Dist, seed uint64, stream uint32, sc model.Buf) {
	d := f32(dst)
	step := counter("Noise", sc)
	if dist > model.Normal {
		panic(fmt.Sprintf("cpu: Noise: unknown distribution %v", dist))
	}
	be.parallel(len(d), noiseGrain, 4, func(lo, hi int) {
		if dist != model.Normal {
			be.uniform(d[lo:hi], seed, stream, step, lo/4)
			if dist == model.UniformPM1 {
				for i, v := range d[lo:hi] {
					d[lo+i] = 2*v - 1
				}
			}
			return
		}
		for j := lo / 4; 4*j < hi; j++ {
			x := rng.Block(seed, stream, step, j)
			var v [4]float32
			switch dist {
			case model.Uniform01:
				for l := range v {
					v[l] = rng.ToUniform01(x[l])
				}
			case model.UniformPM1:
				for l := range v {
					v[l] = 2*rng.ToUniform01(x[l]) - 1
				}
			case model.Normal:
				v[0], v[1] = rng.BoxMuller(x[0], x[1])
				v[2], v[3] = rng.BoxMuller(x[2], x[3])
			}
			copy(d[4*j:min(4*j+4, hi)], v[:])
		}
	})
}

// Binarize draws Bernoulli(src[i]) with the Uniform01 noise of index i:
//
//	dst[i] = 1 if rng.ToUniform01(x_i) < src[i] else 0
func (be *Backend) Binarize(dst, src model.Buf, seed uint64, stream uint32, sc model.Buf) {
	d, s := f32(dst), f32(src)
	need("Binarize", "src", s, len(d))
	step := counter("Binarize", sc)
	be.eachUniform(len(d), seed, stream, step, func(i0 int, u []float32) {
		dd, ss := d[i0:i0+len(u)], s[i0:i0+len(u)]
		for i, v := range u {
			// 1 or 0 by a conditional move: the comparison is a coin
			// toss for grey pixels, and a mispredicted branch costs
			// more than the rest of the loop.
			var one uint32
			if v < ss[i] {
				one = 0x3f800000 // float32(1)
			}
			dd[i] = math.Float32frombits(one)
		}
	})
}

// eachUniform calls fn, in parallel over [0, n), with consecutive chunks
// u of the Uniform01 draws of indices i0, i0+1, ... of the Philox stream
// (seed, stream, step): the draws Binarize and Dropout compare with.
func (be *Backend) eachUniform(n int, seed uint64, stream, step uint32, fn func(i0 int, u []float32)) {
	be.parallel(n, noiseGrain, 4, func(lo, hi int) {
		u := make([]float32, uniformChunk)
		for i0 := lo; i0 < hi; i0 += uniformChunk {
			uu := u[:min(i0+uniformChunk, hi)-i0]
			be.uniform(uu, seed, stream, step, i0/4)
			fn(i0, uu)
		}
	})
}
