package cpu

import (
	"fmt"

	"gan-train/model"
)

// The Laplacian pyramid's resampling (model.PyramidOps), used by
// package lapgan.

// Downsample2x is 2×2 average pooling, each image of src (rows, h*w) to
// dst (rows, (h/2)*(w/2)):
//
//	dst[r, i, j] = (src[r,2i,2j] + src[r,2i,2j+1] + src[r,2i+1,2j] + src[r,2i+1,2j+1]) / 4
//
// summed in that order in float32.
func (be *Backend) Downsample2x(dst, src model.Buf, rows, h, w int) {
	if rows < 0 || h <= 0 || w <= 0 || h%2 != 0 || w%2 != 0 {
		panic(fmt.Sprintf("cpu: Downsample2x: %d images of %dx%d (sides must be even and positive)", rows, h, w))
	}
	ho, wo := h/2, w/2
	be.eachImage("Downsample2x", dst, src, rows, h, w, ho, wo, func(in, out []float32) {
		for i := 0; i < ho; i++ {
			top, bot := in[2*i*w:(2*i+1)*w], in[(2*i+1)*w:(2*i+2)*w]
			o := out[i*wo : (i+1)*wo]
			for j := range o {
				o[j] = (top[2*j] + top[2*j+1] + bot[2*j] + bot[2*j+1]) * 0.25
			}
		}
	})
}

// upTaps returns, for fine index f of an axis whose coarse side is n, the
// nearer coarse index (weight 3/4) and the farther one (weight 1/4),
// clamped to the edge: fine pixel 2i leans on i-1, fine pixel 2i+1 on i+1.
func upTaps(f, n int) (near, far int) {
	near = f / 2
	if f%2 == 0 {
		far = max(near-1, 0)
	} else {
		far = min(near+1, n-1)
	}
	return near, far
}

// Upsample2x sets dst = alpha*up(src) + beta*dst, with up the bilinear,
// half-pixel-aligned interpolation of each h×w image of src (rows, h*w) to
// 2h×2w (dst is (rows, 4*h*w)). With (a, b) the nearer and farther coarse
// rows of fine row y and (c, d) the coarse columns of fine column x
// (upTaps), in float32 and this order:
//
//	up[y, x] = 0.5625*src[a,c] + 0.1875*src[a,d] + 0.1875*src[b,c] + 0.0625*src[b,d]
//
// With beta == 0 dst is not read.
func (be *Backend) Upsample2x(dst, src model.Buf, rows, h, w int, alpha, beta float32) {
	if rows < 0 || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("cpu: Upsample2x: %d images of %dx%d", rows, h, w))
	}
	ho, wo := 2*h, 2*w
	be.eachImage("Upsample2x", dst, src, rows, h, w, ho, wo, func(in, out []float32) {
		for y := 0; y < ho; y++ {
			a, b := upTaps(y, h)
			ra, rb := in[a*w:(a+1)*w], in[b*w:(b+1)*w]
			o := out[y*wo : (y+1)*wo]
			for x := range o {
				c, e := upTaps(x, w)
				u := 0.5625*ra[c] + 0.1875*ra[e] + 0.1875*rb[c] + 0.0625*rb[e]
				if beta == 0 {
					o[x] = alpha * u
				} else {
					o[x] = alpha*u + beta*o[x]
				}
			}
		}
	})
}

// eachImage calls f(in, out) for each of rows images, in its h×w plane of
// src and out its ho×wo plane of dst (op panics unless src and dst hold
// exactly rows of them), sharing the images among the workers by the size
// of the larger plane.
func (be *Backend) eachImage(op string, dst, src model.Buf, rows, h, w, ho, wo int, f func(in, out []float32)) {
	d, s := f32(dst), f32(src)
	need(op, "src", s, rows*h*w)
	need(op, "dst", d, rows*ho*wo)
	be.parallel(rows, max(1, elementGrain/max(h*w, ho*wo)), 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f(s[r*h*w:(r+1)*h*w], d[r*ho*wo:(r+1)*ho*wo])
		}
	})
}
