package cpu

import (
	"testing"

	"gan-train/model"
)

// A backward pass over a batch of no rows sums nothing: every product
// engine gives zero weight and bias gradients (an empty sum), and none
// panics, whatever the layer's shape.
func TestDenseBackwardOfNoRows(t *testing.T) {
	for _, g := range []GEMM{GonumGEMM, TiledGEMM, AVX2GEMM} {
		be := New(Options{GEMM: g})
		for _, s := range [][2]int{{5, 7}, {128, 64}, {784, 128}, {100, 1}} {
			in, out := s[0], s[1]
			alloc := func(n int, v float32) model.Buf {
				b, err := be.Alloc(max(n, 1))
				if err != nil {
					t.Fatal(err)
				}
				f := make([]float32, max(n, 1))
				for i := range f {
					f[i] = v
				}
				if err := be.Upload(b, f); err != nil {
					t.Fatal(err)
				}
				return b
			}
			dw, db := alloc(in*out, 9), alloc(out, 9)
			be.DenseBackward(alloc(0, 0), dw, db, alloc(0, 0), alloc(0, 0), alloc(in*out, 1), alloc(0, 0), 0, in, out, model.ReLU)
			got := make([]float32, in*out+out)
			if err := be.Download(got[:in*out], dw); err != nil {
				t.Fatal(err)
			}
			if err := be.Download(got[in*out:], db); err != nil {
				t.Fatal(err)
			}
			for i, v := range got {
				if v != 0 {
					t.Fatalf("%v, %dx%d: gradient [%d] = %v over no rows, want 0", be.GEMM(), in, out, i, v)
				}
			}
		}
	}
}
