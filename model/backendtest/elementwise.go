package backendtest

import (
	"fmt"
	"testing"

	"gan-train/model"
)

func testElementwise(t *testing.T, be model.Backend, tol Tolerance) {
	for _, n := range sizes {
		e := newEnv(t, be, uint64(n))
		src := e.uniform(n, -3, 3)
		a, b := e.buf(src), e.filled(n, 9)
		be.Copy(b, a)
		checkExact(t, fmt.Sprintf("Copy n=%d", n), e.get(b), src)

		be.Fill(b, -2.5)
		want := make([]float32, n)
		for i := range want {
			want[i] = -2.5
		}
		checkExact(t, fmt.Sprintf("Fill n=%d", n), e.get(b), want)

		be.Affine(a, 0.75, -1.25)
		w := make([]float64, n)
		for i, v := range src {
			w[i] = 0.75*float64(v) - 1.25
		}
		check(t, fmt.Sprintf("Affine n=%d", n), e.get(a), w, tol)
		e.sync()
	}
}

func testAccumulate(t *testing.T, be model.Backend) {
	for _, n := range sizes {
		e := newEnv(t, be, uint64(n)+17)
		a, b := e.uniform(n, -2, 2), e.uniform(n, -2, 2)
		dst, src := e.buf(a), e.buf(b)
		be.Accumulate(dst, src)
		want := make([]float32, n)
		for i := range want {
			want[i] = a[i] + b[i] // one float32 addition: exact to compare
		}
		checkExact(t, fmt.Sprintf("Accumulate(n=%d)", n), e.get(dst), want)
		checkExact(t, fmt.Sprintf("Accumulate(n=%d) src (must not change)", n), e.get(src), b)
		e.sync()
	}
}

// elementwiseGroup is the suite's group for model.ElementwiseOps.
func elementwiseGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Elementwise", []opCheck{
		{"FillAffine", []string{"Fill", "Affine"}, at(testElementwise)},
		{"Accumulate", []string{"Accumulate"}, testAccumulate},
	}}
}
