package backendtest

import (
	"fmt"
	"testing"

	"gan-train/model"
)

func testGatherRows(t *testing.T, be model.Backend) {
	for _, cols := range []int{1, 3, 17, 784} {
		const n, rows = 23, 5
		e := newEnv(t, be, uint64(cols))
		src := e.uniform(n*cols, -1, 1)
		perm := make([]float32, 4*rows)
		for i, k := range e.rng.Perm(n)[:len(perm)] {
			perm[i] = float32(k)
		}
		srcBuf, permBuf, bc := e.buf(src), e.buf(perm), e.counter(0)
		dst := e.filled(rows*cols, 7)
		for batch := uint32(0); batch < 4; batch++ {
			be.SetCounter(bc, batch)
			be.GatherRows(dst, srcBuf, permBuf, cols, bc)
			want := make([]float32, 0, rows*cols)
			for r := 0; r < rows; r++ {
				k := int(perm[int(batch)*rows+r])
				want = append(want, src[k*cols:(k+1)*cols]...)
			}
			checkExact(t, fmt.Sprintf("GatherRows(cols=%d, batch %d)", cols, batch), e.get(dst), want)
		}
		e.sync()
	}
}

func testOneHot(t *testing.T, be model.Backend) {
	for _, sh := range []struct{ rows, width, col, classes int }{
		{1, 1, 0, 1}, {3, 12, 2, 10}, {17, 794, 784, 10}, {129, 110, 100, 10}, {5, 10, 0, 10},
	} {
		name := fmt.Sprintf("OneHot(rows=%d, width=%d, col=%d, classes=%d)", sh.rows, sh.width, sh.col, sh.classes)
		e := newEnv(t, be, uint64(sh.rows*sh.width))
		labels := make([]float32, sh.rows)
		for i := range labels {
			labels[i] = float32(e.rng.IntN(sh.classes))
		}
		init := e.uniform(sh.rows*sh.width, -1, 1)
		dst := e.buf(init)
		be.OneHot(dst, e.buf(labels), sh.rows, sh.width, sh.col, sh.classes)
		want := append([]float32(nil), init...)
		for r, l := range labels {
			for c := 0; c < sh.classes; c++ {
				v := float32(0)
				if c == int(l) {
					v = 1
				}
				want[r*sh.width+sh.col+c] = v
			}
		}
		checkExact(t, name, e.get(dst), want)
		e.sync()
	}
	// A label out of range is reported by Sync.
	for _, bad := range []float32{10, -1, 2.5} {
		e := newEnv(t, be, 1)
		dst := e.filled(3*10, 0)
		be.OneHot(dst, e.buf([]float32{1, bad, 2}), 3, 10, 0, 10)
		if err := be.Sync(); err == nil {
			t.Errorf("OneHot with label %v of 10 classes: Sync gave no error", bad)
		}
	}
}

func testCopyCols(t *testing.T, be model.Backend) {
	for _, sh := range []struct{ rows, dw, dc, sw, sc, n int }{
		{1, 1, 0, 1, 0, 1}, {3, 20, 5, 7, 0, 7}, {17, 794, 0, 784, 0, 784}, {129, 794, 0, 794, 0, 784}, {4, 9, 2, 13, 6, 5},
	} {
		name := fmt.Sprintf("CopyCols(rows=%d, dst %d@%d, src %d@%d, n=%d)", sh.rows, sh.dw, sh.dc, sh.sw, sh.sc, sh.n)
		e := newEnv(t, be, uint64(sh.rows*sh.dw+sh.n))
		d0 := e.uniform(sh.rows*sh.dw, -1, 1)
		s := e.uniform(sh.rows*sh.sw, 2, 3)
		dst, src := e.buf(d0), e.buf(s)
		be.CopyCols(dst, src, sh.rows, sh.dw, sh.dc, sh.sw, sh.sc, sh.n)
		want := append([]float32(nil), d0...)
		for r := 0; r < sh.rows; r++ {
			for c := 0; c < sh.n; c++ {
				want[r*sh.dw+sh.dc+c] = s[r*sh.sw+sh.sc+c]
			}
		}
		checkExact(t, name, e.get(dst), want)
		checkExact(t, name+" src (must not change)", e.get(src), s)
		e.sync()
	}
}

// layoutGroup is the suite's group for model.LayoutOps.
func layoutGroup(_ Tolerance) group {
	return group{"Layout", []opCheck{
		{"GatherRows", []string{"GatherRows"}, testGatherRows},
		{"OneHot", []string{"OneHot"}, testOneHot},
		{"CopyCols", []string{"CopyCols"}, testCopyCols},
	}}
}
