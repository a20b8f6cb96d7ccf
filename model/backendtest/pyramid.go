package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

// refDownsample averages 2×2 blocks of each h×w image of x (rows, h*w).
func refDownsample(x []float32, rows, h, w int) []float64 {
	ho, wo := h/2, w/2
	out := make([]float64, rows*ho*wo)
	for r := 0; r < rows; r++ {
		img := x[r*h*w:]
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				out[r*ho*wo+(i/2)*wo+j/2] += float64(img[i*w+j]) / 4
			}
		}
	}
	return out
}

// refUpsample interpolates each h×w image of x bilinearly to 2h×2w by
// sampling it at the fine pixel centres expressed in coarse coordinates,
// u = (y+0.5)/2 - 0.5, with the image extended by its edge pixels, then
// returns alpha*up + beta*dst.
func refUpsample(x, dst []float32, rows, h, w int, alpha, beta float64) []float64 {
	at := func(img []float32, i, j int) float64 {
		i = min(max(i, 0), h-1)
		j = min(max(j, 0), w-1)
		return float64(img[i*w+j])
	}
	ho, wo := 2*h, 2*w
	out := make([]float64, rows*ho*wo)
	for r := 0; r < rows; r++ {
		img := x[r*h*w:]
		for y := 0; y < ho; y++ {
			u := (float64(y)+0.5)/2 - 0.5
			i0 := int(math.Floor(u))
			fu := u - float64(i0)
			for xx := 0; xx < wo; xx++ {
				v := (float64(xx)+0.5)/2 - 0.5
				j0 := int(math.Floor(v))
				fv := v - float64(j0)
				up := (1-fu)*(1-fv)*at(img, i0, j0) + (1-fu)*fv*at(img, i0, j0+1) +
					fu*(1-fv)*at(img, i0+1, j0) + fu*fv*at(img, i0+1, j0+1)
				k := r*ho*wo + y*wo + xx
				out[k] = alpha * up
				if beta != 0 {
					out[k] += beta * float64(dst[k])
				}
			}
		}
	}
	return out
}

func testDownsample(t *testing.T, be model.Backend, tol Tolerance) {
	for _, s := range []struct{ rows, h, w int }{{1, 2, 2}, {3, 28, 28}, {5, 14, 14}, {2, 4, 6}, {17, 2, 8}, {129, 6, 2}} {
		t.Run(fmt.Sprintf("%dx%dx%d", s.rows, s.h, s.w), func(t *testing.T) {
			e := newEnv(t, be, uint64(s.rows*1000+s.h*10+s.w))
			x := e.uniform(s.rows*s.h*s.w, -2, 2)
			dst := e.filled(s.rows*(s.h/2)*(s.w/2), float32(math.NaN()))
			be.Downsample2x(dst, e.buf(x), s.rows, s.h, s.w)
			check(t, "Downsample2x", e.get(dst), refDownsample(x, s.rows, s.h, s.w), tol)
		})
	}
}

func testUpsample(t *testing.T, be model.Backend, tol Tolerance) {
	shapes := []struct{ rows, h, w int }{{1, 1, 1}, {3, 7, 7}, {2, 14, 14}, {4, 3, 5}, {1, 1, 4}, {129, 2, 3}}
	coefs := []struct{ alpha, beta float32 }{{1, 0}, {-1, 1}, {1, 1}, {0.5, -2}}
	for _, s := range shapes {
		for _, c := range coefs {
			t.Run(fmt.Sprintf("%dx%dx%d/alpha=%g,beta=%g", s.rows, s.h, s.w, c.alpha, c.beta), func(t *testing.T) {
				e := newEnv(t, be, uint64(s.rows*1000+s.h*10+s.w))
				x := e.uniform(s.rows*s.h*s.w, -2, 2)
				d0 := e.uniform(s.rows*4*s.h*s.w, -2, 2)
				if c.beta == 0 {
					// dst must not be read: NaN there must not reach the result
					for i := range d0 {
						d0[i] = float32(math.NaN())
					}
				}
				dst := e.buf(d0)
				be.Upsample2x(dst, e.buf(x), s.rows, s.h, s.w, c.alpha, c.beta)
				want := refUpsample(x, d0, s.rows, s.h, s.w, float64(c.alpha), float64(c.beta))
				check(t, "Upsample2x", e.get(dst), want, tol)
			})
		}
	}
	t.Run("constant", func(t *testing.T) {
		// interpolating a constant image gives the constant everywhere, the
		// borders included
		e := newEnv(t, be, 7)
		dst := e.filled(2*196, 0)
		be.Upsample2x(dst, e.filled(2*49, 0.375), 2, 7, 7, 1, 0)
		got := e.get(dst)
		want := make([]float32, len(got))
		for i := range want {
			want[i] = 0.375
		}
		checkExact(t, "Upsample2x of a constant image", got, want)
	})
}

// testPyramidRoundTrip builds the two-level Laplacian pyramid of 28×28
// images (residuals at 28×28 and 14×14, the 7×7 image on top) with the
// backend's operations and collapses it again.
func testPyramidRoundTrip(t *testing.T, be model.Backend) {
	for _, dyadic := range []bool{true, false} {
		t.Run(fmt.Sprintf("dyadic=%v", dyadic), func(t *testing.T) {
			const rows = 9
			e := newEnv(t, be, 11)
			x := e.uniform(rows*784, 0, 1)
			if dyadic {
				for i := range x {
					x[i] = float32(math.Floor(float64(x[i])*257)) / 256
				}
			}
			x28 := e.buf(x)
			x14, x7 := e.filled(rows*196, 0), e.filled(rows*49, 0)
			be.Downsample2x(x14, x28, rows, 28, 28)
			be.Downsample2x(x7, x14, rows, 14, 14)
			r28, r14 := e.filled(rows*784, 0), e.filled(rows*196, 0)
			be.Copy(r28, x28)
			be.Upsample2x(r28, x14, rows, 14, 14, -1, 1) // r28 = x28 - up(x14)
			be.Copy(r14, x14)
			be.Upsample2x(r14, x7, rows, 7, 7, -1, 1) // r14 = x14 - up(x7)
			// collapse: y14 = r14 + up(x7); y28 = r28 + up(y14)
			be.Upsample2x(r14, x7, rows, 7, 7, 1, 1)
			be.Upsample2x(r28, r14, rows, 14, 14, 1, 1)
			got14, got28 := e.get(r14), e.get(r28)
			want14 := e.get(x14)
			if dyadic {
				checkExact(t, "collapsed 14x14 level", got14, want14)
				checkExact(t, "collapsed 28x28 image", got28, x)
			} else {
				exact := Tolerance{Atol: 1e-6}
				check(t, "collapsed 14x14 level", got14, to64(want14), exact)
				check(t, "collapsed 28x28 image", got28, to64(x), exact)
			}
		})
	}
}

// pyramidGroup is the suite's group for model.PyramidOps.
func pyramidGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Pyramid", []opCheck{
		{"Downsample2x", []string{"Downsample2x"}, at(testDownsample)},
		{"Upsample2x", []string{"Upsample2x"}, at(testUpsample)},
		{"RoundTrip", []string{"Downsample2x", "Upsample2x"}, testPyramidRoundTrip},
	}}
}
