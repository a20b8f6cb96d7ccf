package cpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// The GAN variants' operations: f-GAN losses (model.LossOps), one-hot
// labels and column copies for conditional GANs (model.LayoutOps), maxout
// and dropout for Goodfellow et al. 2014's discriminator
// (model.RegularisationOps).

// softplus64 is log(1+exp(a)), computed without overflow for any a.
func softplus64(a float64) float64 {
	return math.Max(a, 0) + log1pExpNeg(a)
}

// expCapped returns expc(a) and expc'(a) of model.FDivergence: exp(a) up
// to model.ExpCap, its tangent line beyond.
func expCapped(a float64) (val, slope float64) {
	if a <= model.ExpCap {
		e := math.Exp(a)
		return e, e
	}
	e := math.Exp(model.ExpCap)
	return e * (1 + a - model.ExpCap), e
}

// fTerm returns h(v) and h'(v) for the divergence and term (the table of
// model.FDivergence), in float64.
func fTerm(div model.FDivergence, term model.FTerm, v float64) (h, dh float64) {
	act := term == model.FActivation
	switch div {
	case model.FKL:
		if act {
			return v, 1
		}
		return expCapped(v - 1)
	case model.FReverseKL:
		if act {
			e, de := expCapped(-v)
			return -e, de
		}
		return v - 1, 1
	case model.FPearson:
		if act {
			return v, 1
		}
		return v*v/4 + v, v/2 + 1
	case model.FSquaredHellinger:
		if act {
			if -v <= model.ExpCap {
				return -math.Expm1(-v), math.Exp(-v)
			}
			e, de := expCapped(-v)
			return 1 - e, de
		}
		if v <= model.ExpCap {
			return math.Expm1(v), math.Exp(v)
		}
		e, de := expCapped(v)
		return e - 1, de
	case model.FJensenShannon:
		if act {
			return math.Ln2 - softplus64(-v), sigmoid64(-v)
		}
		return softplus64(v) - math.Ln2, sigmoid64(v)
	case model.FGAN:
		if act {
			return -softplus64(-v), sigmoid64(-v)
		}
		return softplus64(v), sigmoid64(v)
	}
	panic(fmt.Sprintf("cpu: FDivLoss: unknown divergence %v", div))
}

// FDivLoss sums one term of the f-GAN objective with its gradient. Per
// element, in float64, with h the T or F of model.FDivergence's table:
//
//	loss += h(x_i)                          (in index order)
//	dx_i  = float32(scale * h'(x_i))        (when dx is not nil)
//
// and loss[0] = float32(scale * loss). x and dx are (n), loss is (1).
func (be *Backend) FDivLoss(dx, loss, x model.Buf, div model.FDivergence, term model.FTerm, scale float32) {
	xs, ls, ds := f32(x), f32(loss), opt(dx)
	need("FDivLoss", "loss", ls, 1)
	if ds != nil {
		need("FDivLoss", "dx", ds, len(xs))
	}
	if div == model.FNone || div > model.FGAN {
		panic(fmt.Sprintf("cpu: FDivLoss: divergence %v is not an f-divergence", div))
	}
	if term > model.FConjugate {
		panic(fmt.Sprintf("cpu: FDivLoss: unknown term %d", term))
	}
	sc := float64(scale)
	var sum float64
	for i, xf := range xs {
		h, dh := fTerm(div, term, float64(xf))
		sum += h
		if ds != nil {
			ds[i] = float32(sc * dh)
		}
	}
	ls[0] = float32(sc * sum)
}

// OneHot writes one-hot codes of labels into columns [col, col+classes)
// of each row of dst:
//
//	for r: for c in 0..classes-1: dst[r*width+col+c] = 1 if c == labels[r] else 0
//
// dst is (rows, width), labels is (rows). A label that is not an integer
// in [0, classes) records an error (see Sync) and leaves dst unchanged.
func (be *Backend) OneHot(dst, labels model.Buf, rows, width, col, classes int) {
	d, lab := f32(dst), f32(labels)
	if rows < 0 || classes <= 0 || col < 0 || col+classes > width {
		panic(fmt.Sprintf("cpu: OneHot: columns [%d, %d) do not fit rows of width %d", col, col+classes, width))
	}
	d = atLeast("OneHot", "dst", d, rows*width)
	lab = atLeast("OneHot", "labels", lab, rows)
	for r, f := range lab {
		if k := int(f); float32(k) != f || k < 0 || k >= classes {
			be.fail(fmt.Errorf("cpu: OneHot: label %v of row %d is not a class in [0, %d)", f, r, classes))
			return
		}
	}
	for r, f := range lab {
		row := d[r*width+col : r*width+col+classes]
		for c := range row {
			row[c] = 0
		}
		row[int(f)] = 1
	}
}

// CopyCols copies n columns of each row:
//
//	for r: dst[r*dstWidth+dstCol : +n] = src[r*srcWidth+srcCol : +n]
//
// dst is (rows, dstWidth), src is (rows, srcWidth).
func (be *Backend) CopyCols(dst, src model.Buf, rows, dstWidth, dstCol, srcWidth, srcCol, n int) {
	d, s := f32(dst), f32(src)
	if rows < 0 || n < 0 || dstCol < 0 || srcCol < 0 || dstCol+n > dstWidth || srcCol+n > srcWidth {
		panic(fmt.Sprintf("cpu: CopyCols: %d columns at %d of rows of %d, from %d of rows of %d: out of range",
			n, dstCol, dstWidth, srcCol, srcWidth))
	}
	d = atLeast("CopyCols", "dst", d, rows*dstWidth)
	s = atLeast("CopyCols", "src", s, rows*srcWidth)
	for r := 0; r < rows; r++ {
		copy(d[r*dstWidth+dstCol:r*dstWidth+dstCol+n], s[r*srcWidth+srcCol:r*srcWidth+srcCol+n])
	}
}

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
	be.parallel(len(d), noiseGrain, 4, func(lo, hi int) {
		u := make([]float32, uniformChunk)
		for i0 := lo; i0 < hi; i0 += uniformChunk {
			i1 := min(i0+uniformChunk, hi)
			uu, dd, ss := u[:i1-i0], d[i0:i1], s[i0:i1]
			be.uniform(uu, seed, stream, step, i0/4)
			for i, v := range uu {
				if v >= rate {
					dd[i] = ss[i] * keep
				} else {
					dd[i] = 0
				}
			}
		}
	})
}
