//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// The Laplacian pyramid's resampling (model.PyramidOps, used by package
// lapgan) on the device, kernels/pyramid.cu. Both compute in float32 with
// internal/cpu/pyramid.go's order of operations, so the results are bit-identical
// to the cpu backend's.

// Downsample2x is 2×2 average pooling, each image of src (rows, h*w) to
// dst (rows, (h/2)*(w/2)) (kernels/pyramid.cu, downsample2x, one thread
// per output pixel):
//
//	for r in 0..rows-1, i in 0..h/2-1, j in 0..w/2-1:
//	  dst[r, i, j] = (src[r,2i,2j] + src[r,2i,2j+1] + src[r,2i+1,2j] + src[r,2i+1,2j+1]) * 0.25
//
// summed in that order in float32. h and w must be even and positive.
func (be *Backend) Downsample2x(dst, src model.Buf, rows, h, w int) {
	const op = "Downsample2x"
	if rows < 0 || h <= 0 || w <= 0 || h%2 != 0 || w%2 != 0 {
		panic(fmt.Sprintf("gpu: %s: %d images of %dx%d (sides must be even and positive)", op, rows, h, w))
	}
	n := rows * (h / 2) * (w / 2)
	s := be.arg(op, "src", src, rows*h*w, true)
	d := be.arg(op, "dst", dst, n, true)
	if s == nil || d == nil || n == 0 {
		return
	}
	be.launchDownsample2x(be.elems(n), block1D, d.ptr(), s.ptr(), rows, h, w)
}

// Upsample2x sets dst = alpha*up(src) + beta*dst, with up the bilinear,
// half-pixel-aligned interpolation of each h×w image of src (rows, h*w) to
// 2h×2w; dst is (rows, 4*h*w) and must not overlap src
// (kernels/pyramid.cu, upsample2x, one thread per output pixel):
//
//	for r in 0..rows-1, y in 0..2h-1, x in 0..2w-1:
//	  a, b := y/2, y/2-1 (y even) or y/2+1 (y odd), b clamped to [0, h-1]
//	  c, d := x/2, x/2-1 (x even) or x/2+1 (x odd), d clamped to [0, w-1]
//	  u := 0.5625*src[r,a,c] + 0.1875*src[r,a,d] + 0.1875*src[r,b,c] + 0.0625*src[r,b,d]
//	  dst[r,y,x] = alpha*u                    if beta == 0 (dst not read)
//	  dst[r,y,x] = alpha*u + beta*dst[r,y,x]  otherwise
//
// in float32 and that order.
func (be *Backend) Upsample2x(dst, src model.Buf, rows, h, w int, alpha, beta float32) {
	const op = "Upsample2x"
	if rows < 0 || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("gpu: %s: %d images of %dx%d", op, rows, h, w))
	}
	n := rows * 4 * h * w
	s := be.arg(op, "src", src, rows*h*w, true)
	d := be.arg(op, "dst", dst, n, true)
	if s == nil || d == nil || n == 0 {
		return
	}
	be.launchUpsample2x(be.elems(n), block1D, d.ptr(), s.ptr(), rows, h, w, alpha, beta)
}
