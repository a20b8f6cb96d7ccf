//go:build cuda || cudaemu

package gpu

import "gan-train/model"

// Accumulate adds src into dst (same length; they must not overlap)
// (kernels/minibatch.cu, accumulate_f32):
//
//	for i := range dst: dst[i] += src[i]      (float32)
func (be *Backend) Accumulate(dst, src model.Buf) {
	const op = "Accumulate"
	d := be.arg(op, "dst", dst, 0, false)
	s := be.arg(op, "src", src, dst.Len(), true)
	if d == nil || s == nil || d.n == 0 {
		return
	}
	be.launchAccumulateF32(be.elems(d.n), block1D, d.ptr(), s.ptr(), d.n)
}

// Fill sets every element of x to v:
//
//	for i := range x: x[i] = v
func (be *Backend) Fill(x model.Buf, v float32) {
	d := be.arg("Fill", "x", x, 0, false)
	if d == nil || d.n == 0 {
		return
	}
	be.launchFillF32(be.elems(d.n), block1D, d.ptr(), d.n, v)
}

// Affine sets x[i] = a*x[i] + c:
//
//	for i := range x: x[i] = a*x[i] + c
func (be *Backend) Affine(x model.Buf, a, c float32) {
	d := be.arg("Affine", "x", x, 0, false)
	if d == nil || d.n == 0 {
		return
	}
	be.launchAffineF32(be.elems(d.n), block1D, d.ptr(), d.n, a, c)
}
