package cpu

import (
	"fmt"
	"math"

	"gan-train/internal/rng"
	"gan-train/model"
)

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
	be.parallel(len(d), noiseGrain, 4, func(lo, hi int) {
		u := make([]float32, uniformChunk)
		for i0 := lo; i0 < hi; i0 += uniformChunk {
			i1 := min(i0+uniformChunk, hi)
			uu, dd, ss := u[:i1-i0], d[i0:i1], s[i0:i1]
			be.uniform(uu, seed, stream, step, i0/4)
			for i, v := range uu {
				if v < ss[i] {
					dd[i] = 1
				} else {
					dd[i] = 0
				}
			}
		}
	})
}

// GatherRows copies one batch of rows of src into dst:
//
//	rows = len(dst)/cols; t = counter bc
//	for r in 0..rows-1: dst[r*cols:(r+1)*cols] = src[k*cols:(k+1)*cols], k = perm[t*rows+r]
//
// src is (N, cols), perm holds row numbers as float32, dst is (rows, cols).
// A batch past the end of perm, or a row number that is not an integer in
// [0, N), records an error (see Sync) and leaves dst unchanged from there on.
func (be *Backend) GatherRows(dst, src, perm model.Buf, cols int, bc model.Buf) {
	d, s, p := f32(dst), f32(src), f32(perm)
	if cols <= 0 || len(d)%cols != 0 || len(s)%cols != 0 {
		panic(fmt.Sprintf("cpu: GatherRows: dst (%d) and src (%d) are not whole rows of %d columns", len(d), len(s), cols))
	}
	rows, n := len(d)/cols, len(s)/cols
	t := int(counter("GatherRows", bc))
	if (t+1)*rows > len(p) {
		be.fail(fmt.Errorf("cpu: GatherRows: batch %d of %d rows runs past the %d entries of perm", t, rows, len(p)))
		return
	}
	for r := 0; r < rows; r++ {
		f := p[t*rows+r]
		k := int(f)
		if float32(k) != f || k < 0 || k >= n {
			be.fail(fmt.Errorf("cpu: GatherRows: perm[%d] = %v is not a row number in [0, %d)", t*rows+r, f, n))
			return
		}
		copy(d[r*cols:(r+1)*cols], s[k*cols:(k+1)*cols])
	}
}

// sigmoid64 is 1/(1+exp(-x)), computed without overflow for any x.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
