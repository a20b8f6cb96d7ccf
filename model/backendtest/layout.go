package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

// rowNumbers returns m distinct row numbers of [0, n) as float32, in random
// order: a perm for the gathers.
func rowNumbers(e *env, n, m int) []float32 {
	perm := make([]float32, m)
	for i, k := range e.rng.Perm(n)[:m] {
		perm[i] = float32(k)
	}
	return perm
}

func testGatherRows(t *testing.T, be model.Backend) {
	for _, cols := range []int{1, 3, 17, 784} {
		const n, rows = 23, 5
		e := newEnv(t, be, uint64(cols))
		src := e.uniform(n*cols, -1, 1)
		perm := rowNumbers(e, n, 4*rows)
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

// byteSource uploads n rows of cols random bytes with UploadBytes: into a
// whole allocation (freed at the end of the test) when whole, else into a
// view inside guard margins.
func byteSource(e *env, n, cols int, whole bool) ([]uint8, model.Buf) {
	e.t.Helper()
	src := make([]uint8, n*cols)
	for i := range src {
		src[i] = uint8(e.rng.IntN(256))
	}
	m := (len(src) + 3) / 4
	b := e.filled(m, 7)
	if whole {
		var err error
		if b, err = e.be.Alloc(m); err != nil {
			e.t.Fatalf("Alloc(%d): %v", m, err)
		}
		e.t.Cleanup(func() { e.be.Free(b) })
	}
	if err := e.be.UploadBytes(b, src); err != nil {
		e.t.Fatalf("UploadBytes of %d bytes: %v", len(src), err)
	}
	return src, b
}

// byteTable returns a 256-entry table: v/255 computed in float64 (as
// data.Scale01) when scale, else values with all kinds of bits.
func byteTable(e *env, scale bool) []float32 {
	table := make([]float32, 256)
	for v := range table {
		table[v] = float32(float64(v) / 255)
		if !scale {
			table[v] = float32((e.rng.Float64() - 0.5) * math.Pow(2, float64(e.rng.IntN(60)-30)))
		}
	}
	return table
}

func testGatherBytes(t *testing.T, be model.Backend) {
	for i, cols := range []int{1, 3, 5, 17, 784} {
		const n, rows = 23, 5
		e := newEnv(t, be, uint64(cols)+100)
		src, srcBuf := byteSource(e, n, cols, i%2 == 0)
		table := byteTable(e, i != 1)
		perm := rowNumbers(e, n, 4*rows)
		tabBuf, permBuf, bc := e.buf(table), e.buf(perm), e.counter(0)
		dst := e.filled(rows*cols, 7)
		for batch := uint32(0); batch < 4; batch++ {
			be.SetCounter(bc, batch)
			be.GatherBytes(dst, srcBuf, tabBuf, permBuf, cols, bc)
			want := make([]float32, 0, rows*cols)
			for r := 0; r < rows; r++ {
				k := int(perm[int(batch)*rows+r])
				for _, v := range src[k*cols : (k+1)*cols] {
					want = append(want, table[v])
				}
			}
			checkExact(t, fmt.Sprintf("GatherBytes(cols=%d, batch %d)", cols, batch), e.get(dst), want)
		}
		e.sync()
	}
	testGatherBytesErrors(t, be)
}

// testGatherBytesErrors checks that a row number out of range and a batch
// past perm's end are reported by Sync.
func testGatherBytesErrors(t *testing.T, be model.Backend) {
	const n, rows, cols = 23, 2, 17 // 391 bytes: N = 4*98/17 = 23
	for _, bad := range []float32{n, -1, 2.5, 1e9} {
		e := newEnv(t, be, 5)
		_, srcBuf := byteSource(e, n, cols, false)
		dst := e.filled(rows*cols, 0)
		be.GatherBytes(dst, srcBuf, e.buf(byteTable(e, true)), e.buf([]float32{1, bad}), cols, e.counter(0))
		if err := be.Sync(); err == nil {
			t.Errorf("GatherBytes with row %v of %d: Sync gave no error", bad, n)
		}
	}
	e := newEnv(t, be, 6)
	_, srcBuf := byteSource(e, n, cols, true)
	dst := e.filled(rows*cols, 0)
	be.GatherBytes(dst, srcBuf, e.buf(byteTable(e, true)), e.buf([]float32{0, 1, 2, 3, 4}), cols, e.counter(2))
	if err := be.Sync(); err == nil {
		t.Errorf("GatherBytes of batch 2 of %d rows with 5 perm entries: Sync gave no error", rows)
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
		{"GatherBytes", []string{"GatherBytes"}, testGatherBytes},
		{"OneHot", []string{"OneHot"}, testOneHot},
		{"CopyCols", []string{"CopyCols"}, testCopyCols},
	}}
}
