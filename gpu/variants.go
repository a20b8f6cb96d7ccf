//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// The GAN variants' operations on the device: f-GAN losses, one-hot labels and
// column copies for conditional GANs, maxout and dropout for Goodfellow et
// al. 2014's discriminator, and generator weight averaging. Each doc
// comment is the loop the kernel computes; internal/cpu/variants.go and
// internal/cpu/averaging.go compute the same functions.

// FDivLoss sums one term of the f-GAN objective over the logits x, fused
// with its gradient (kernels/variants.cu, fdiv_partial; h and h' of the
// table of model.FDivergence evaluated in float64):
//
//	for i := range x:
//	  h, dh := term h of div at x_i, and its derivative
//	  dx_i = float32(scale * dh)             (when dx is not nil)
//	loss[0] = Σ_threads float32(scale * Σ_{i of the thread} h)   (fixed-order tree sum)
//
// x and dx are (n), loss is (1).
func (be *Backend) FDivLoss(dx, loss, x model.Buf, div model.FDivergence, term model.FTerm, scale float32) {
	const op = "FDivLoss"
	if div == model.FNone || div > model.FGAN {
		panic(fmt.Sprintf("gpu: %s: divergence %v is not an f-divergence", op, div))
	}
	if term > model.FConjugate {
		panic(fmt.Sprintf("gpu: %s: unknown term %d", op, term))
	}
	xd := be.arg(op, "x", x, 0, false)
	ld := be.arg(op, "loss", loss, 1, true)
	if xd == nil || ld == nil {
		return
	}
	dxd, ok := be.optArg(op, "dx", dx, xd.n, true)
	if !ok {
		return
	}
	g := be.reduceBlocks(xd.n)
	be.launchFdivPartial(dim3{uint32(g), 1, 1}, block1D, ptrOrNull(dxd), be.partialOut(ld, g), xd.ptr(), xd.n, int(div), int(term), scale)
	be.final(ld, g, 1) // the kernel scaled each thread's sum
}

// OneHot writes one-hot codes of labels into columns [col, col+classes) of
// each row of dst (kernels/variants.cu, one_hot):
//
//	for r in 0..rows-1, c in 0..classes-1:
//	  dst[r*width+col+c] = 1 if c == labels[r] else 0
//
// dst is (rows, width), labels is (rows). A label that is not an integer
// in [0, classes) sets its row's code to NaN and makes Sync return an error.
func (be *Backend) OneHot(dst, labels model.Buf, rows, width, col, classes int) {
	const op = "OneHot"
	if rows < 0 || classes <= 0 || col < 0 || col+classes > width {
		panic(fmt.Sprintf("gpu: %s: columns [%d, %d) do not fit rows of width %d", op, col, col+classes, width))
	}
	d := be.arg(op, "dst", dst, rows*width, false)
	l := be.arg(op, "labels", labels, rows, false)
	if d == nil || l == nil || rows == 0 {
		return
	}
	be.launchOneHot(be.elems(rows*classes), block1D, d.ptr(), l.ptr(), rows, width, col, classes, be.flag)
}

// CopyCols copies n columns of each row (kernels/variants.cu, copy_cols):
//
//	for r in 0..rows-1, c in 0..n-1:
//	  dst[r*dstWidth+dstCol+c] = src[r*srcWidth+srcCol+c]
//
// dst is (rows, dstWidth), src is (rows, srcWidth); they must not overlap.
func (be *Backend) CopyCols(dst, src model.Buf, rows, dstWidth, dstCol, srcWidth, srcCol, n int) {
	const op = "CopyCols"
	if rows < 0 || n < 0 || dstCol < 0 || srcCol < 0 || dstCol+n > dstWidth || srcCol+n > srcWidth {
		panic(fmt.Sprintf("gpu: %s: %d columns at %d of rows of %d, from %d of rows of %d: out of range",
			op, n, dstCol, dstWidth, srcCol, srcWidth))
	}
	d := be.arg(op, "dst", dst, rows*dstWidth, false)
	s := be.arg(op, "src", src, rows*srcWidth, false)
	if d == nil || s == nil || rows*n == 0 {
		return
	}
	be.launchCopyCols(be.elems(rows*n), block1D, d.ptr(), s.ptr(), rows, dstWidth, dstCol, srcWidth, srcCol, n)
}

func maxoutShape(op string, units, pieces int) {
	if pieces <= 0 || units <= 0 {
		panic(fmt.Sprintf("gpu: %s: %d units of %d pieces", op, units, pieces))
	}
}

// MaxoutForward takes the maximum over each group of pieces columns
// (kernels/variants.cu, maxout_forward):
//
//	for i in 0..rows*units-1: y[i] = max_p x[i*pieces+p]
//
// x is (rows, units*pieces), y is (rows, units).
func (be *Backend) MaxoutForward(y, x model.Buf, rows, units, pieces int) {
	const op = "MaxoutForward"
	maxoutShape(op, units, pieces)
	yd := be.arg(op, "y", y, rows*units, false)
	xd := be.arg(op, "x", x, rows*units*pieces, false)
	if yd == nil || xd == nil || rows == 0 {
		return
	}
	be.launchMaxoutForward(be.elems(rows*units), block1D, yd.ptr(), xd.ptr(), rows*units, pieces)
}

// MaxoutBackward routes each dy to the first piece attaining the maximum
// (kernels/variants.cu, maxout_backward):
//
//	for i in 0..rows*units-1, p in 0..pieces-1:
//	  dx[i*pieces+p] = dy[i] if p == first argmax_p x[i*pieces+p] else 0
//
// dx and x are (rows, units*pieces), dy is (rows, units).
func (be *Backend) MaxoutBackward(dx, dy, x model.Buf, rows, units, pieces int) {
	const op = "MaxoutBackward"
	maxoutShape(op, units, pieces)
	dxd := be.arg(op, "dx", dx, rows*units*pieces, false)
	dyd := be.arg(op, "dy", dy, rows*units, false)
	xd := be.arg(op, "x", x, rows*units*pieces, false)
	if dxd == nil || dyd == nil || xd == nil || rows == 0 {
		return
	}
	be.launchMaxoutBackward(be.elems(rows*units), block1D, dxd.ptr(), dyd.ptr(), xd.ptr(), rows*units, pieces)
}

// Dropout applies an inverted-dropout mask drawn from Philox, the draws of
// Noise (kernels/rng.cu, rng_dropout):
//
//	keep = float32(1/(1-rate))               (in float64)
//	for i := range dst: dst[i] = src[i]*keep if rng.ToUniform01(x_i) >= rate else 0
//
// x_i the raw draw of index i for (seed, stream, step read from sc). dst and
// src are (n) and may be the same Buf.
func (be *Backend) Dropout(dst, src model.Buf, rate float32, seed uint64, stream uint32, sc model.Buf) {
	const op = "Dropout"
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("gpu: %s: rate %v outside [0, 1)", op, rate))
	}
	s := be.arg(op, "src", src, 0, false)
	d := be.arg(op, "dst", dst, src.Len(), true)
	c := counterArg(be, op, "sc", sc)
	if d == nil || s == nil || c == nil || d.n == 0 {
		return
	}
	be.launchRngDropout(be.elems((d.n+3)/4), block1D, d.ptr(), s.ptr(), d.n, rate, seed, stream, c.ptr())
}

// Average moves avg towards p (kernels/variants.cu, average_f32), t read
// from the counter tc:
//
//	f = 1 - model.AverageDecay(decay, t)     (float32)
//	for i := range avg: avg[i] += f * (p[i] - avg[i])
//
// avg and p are (n).
func (be *Backend) Average(avg, p model.Buf, decay float32, tc model.Buf) {
	const op = "Average"
	a := be.arg(op, "avg", avg, 0, false)
	pd := be.arg(op, "p", p, avg.Len(), true)
	c := counterArg(be, op, "tc", tc)
	if a == nil || pd == nil || c == nil || a.n == 0 {
		return
	}
	be.launchAverageF32(be.elems(a.n), block1D, a.ptr(), pd.ptr(), a.n, decay, c.ptr())
}
