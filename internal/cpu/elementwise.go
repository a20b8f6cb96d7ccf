package cpu

import "gan-train/model"

// elementGrain is the smallest slice of an element-wise operation worth a
// goroutine of its own.
const elementGrain = 1 << 14

// Fill sets x[i] = v for every i.
func (be *Backend) Fill(x model.Buf, v float32) {
	s := f32(x)
	be.parallel(len(s), elementGrain, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s[i] = v
		}
	})
}

// Affine sets x[i] = a*x[i] + c for every i.
func (be *Backend) Affine(x model.Buf, a, c float32) {
	s := f32(x)
	be.parallel(len(s), elementGrain, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s[i] = a*s[i] + c
		}
	})
}

// Accumulate adds src into dst: dst[i] += src[i], in float32.
func (be *Backend) Accumulate(dst, src model.Buf) {
	d, s := f32(dst), f32(src)
	need("Accumulate", "src", s, len(d))
	be.parallel(len(d), elementGrain, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] += s[i]
		}
	})
}
