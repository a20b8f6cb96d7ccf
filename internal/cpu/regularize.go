package cpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// MaxoutForward takes the maximum over each group of pieces columns:
//
//	y[r*units+u] = max_p x[r*units*pieces + u*pieces + p]
//
// x is (rows, units*pieces), y is (rows, units).
func (be *Backend) MaxoutForward(y, x model.Buf, rows, units, pieces int) {
	ys, xs := f32(y), f32(x)
	if pieces <= 0 || units <= 0 {
		panic(fmt.Sprintf("cpu: MaxoutForward: %d units of %d pieces", units, pieces))
	}
	ys = atLeast("MaxoutForward", "y", ys, rows*units)
	xs = atLeast("MaxoutForward", "x", xs, rows*units*pieces)
	be.parallel(rows*units, elementGrain/4, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := xs[i*pieces : (i+1)*pieces]
			m := g[0]
			for _, v := range g[1:] {
				if v > m {
					m = v
				}
			}
			ys[i] = m
		}
	})
}

// MaxoutBackward routes each dy to the first piece attaining the maximum:
//
//	dx[i*pieces+p] = dy[i] if p == first argmax_p x[i*pieces+p] else 0
//
// dx and x are (rows, units*pieces), dy is (rows, units).
func (be *Backend) MaxoutBackward(dx, dy, x model.Buf, rows, units, pieces int) {
	ds, dys, xs := f32(dx), f32(dy), f32(x)
	if pieces <= 0 || units <= 0 {
		panic(fmt.Sprintf("cpu: MaxoutBackward: %d units of %d pieces", units, pieces))
	}
	ds = atLeast("MaxoutBackward", "dx", ds, rows*units*pieces)
	dys = atLeast("MaxoutBackward", "dy", dys, rows*units)
	xs = atLeast("MaxoutBackward", "x", xs, rows*units*pieces)
	be.parallel(rows*units, elementGrain/4, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := xs[i*pieces : (i+1)*pieces]
			best := 0
			for p, v := range g {
				if v > g[best] {
					best = p
				}
			}
			out := ds[i*pieces : (i+1)*pieces]
			for p := range out {
				out[p] = 0
			}
			out[best] = dys[i]
		}
	})
}

// Dropout applies an inverted-dropout mask drawn from Philox:
//
//	dst[i] = src[i] * float32(1/(1-rate)) if rng.ToUniform01(x_i) >= rate else 0
//
// with x_i the Philox output behind index i for (seed, stream, step read
// from sc), exactly as in Noise. dst and src are (n) and may be the same.
func (be *Backend) Dropout(dst, src model.Buf, rate float32, seed uint64, stream uint32, sc model.Buf) {
	d, s := f32(dst), f32(src)
	need("Dropout", "src", s, len(d))
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("cpu: Dropout: rate %v outside [0, 1)", rate))
	}
	step := counter("Dropout", sc)
	keep := float32(1 / (1 - float64(rate)))
	be.eachUniform(len(d), seed, stream, step, func(i0 int, u []float32) {
		dd, ss := d[i0:i0+len(u)], s[i0:i0+len(u)]
		for i, v := range u {
			// ss[i]*keep or +0 by a conditional move (see Binarize).
			var mask uint32
			if v >= rate {
				mask = ^uint32(0)
			}
			dd[i] = math.Float32frombits(math.Float32bits(ss[i]*keep) & mask)
		}
	})
}
