//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

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
