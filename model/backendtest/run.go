package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
	"gan-train/rng"
)

// Run checks every operation of be against the references of this package.
func Run(t *testing.T, be model.Backend, tol Tolerance) {
	t.Run("Memory", func(t *testing.T) { testMemory(t, be) })
	t.Run("Elementwise", func(t *testing.T) { testElementwise(t, be, tol) })
	t.Run("Counters", func(t *testing.T) { testCounters(t, be) })
	t.Run("DenseForward", func(t *testing.T) { testDenseForward(t, be, tol) })
	t.Run("DenseBackward", func(t *testing.T) { testDenseBackward(t, be, tol) })
	t.Run("LogitBCE", func(t *testing.T) { testLogitBCE(t, be, tol) })
	t.Run("MeanSigmoid", func(t *testing.T) { testMeanSigmoid(t, be, tol) })
	t.Run("SumSquares", func(t *testing.T) { testSumSquares(t, be, tol) })
	t.Run("SoftmaxXent", func(t *testing.T) { testSoftmaxXent(t, be, tol) })
	t.Run("Adam", func(t *testing.T) { testAdam(t, be, tol) })
	t.Run("Noise", func(t *testing.T) { testNoise(t, be) })
	t.Run("Binarize", func(t *testing.T) { testBinarize(t, be) })
	t.Run("GatherRows", func(t *testing.T) { testGatherRows(t, be) })
}

// sizes are lengths that are not multiples of any plausible tile, block or
// vector width, around the ones the Edward preset uses.
var sizes = []int{1, 3, 17, 127, 129, 785, 4099}

var activations = []model.Activation{model.Identity, model.ReLU, model.LeakyReLU, model.Sigmoid, model.Tanh}

func testMemory(t *testing.T, be model.Backend) {
	if be.Name() == "" {
		t.Error("Name() is empty")
	}
	for _, n := range sizes {
		b, err := be.Alloc(n)
		if err != nil {
			t.Fatalf("Alloc(%d): %v", n, err)
		}
		if b.Len() != n {
			t.Errorf("Alloc(%d).Len() = %d", n, b.Len())
		}
		got := make([]float32, n)
		if err := be.Download(got, b); err != nil {
			t.Fatalf("Download: %v", err)
		}
		for i, v := range got {
			if v != 0 {
				t.Errorf("Alloc(%d)[%d] = %v, want 0", n, i, v)
				break
			}
		}
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(i) + 0.5
		}
		if err := be.Upload(b, src); err != nil {
			t.Fatalf("Upload: %v", err)
		}
		// A view sees the same memory, and writes through it land in place.
		off, m := n/3, n-n/3-n/4
		v := be.View(b, off, m)
		if v.Len() != m {
			t.Errorf("View(b, %d, %d).Len() = %d", off, m, v.Len())
		}
		part := make([]float32, m)
		if err := be.Download(part, v); err != nil {
			t.Fatalf("Download of view: %v", err)
		}
		checkExact(t, fmt.Sprintf("view [%d:%d] of %d", off, off+m, n), part, src[off:off+m])
		for i := range part {
			part[i] = -part[i]
			src[off+i] = -src[off+i]
		}
		if err := be.Upload(v, part); err != nil {
			t.Fatalf("Upload to view: %v", err)
		}
		if err := be.Download(got, b); err != nil {
			t.Fatalf("Download: %v", err)
		}
		checkExact(t, fmt.Sprintf("Buf of %d after upload to view [%d:%d]", n, off, off+m), got, src)
		if err := be.Upload(b, make([]float32, n+1)); err == nil {
			t.Errorf("Upload of %d values into a Buf of %d: no error", n+1, n)
		}
		if err := be.Download(make([]float32, n+1), b); err == nil {
			t.Errorf("Download of a Buf of %d into %d values: no error", n, n+1)
		}
		be.Free(b)
	}
	if err := be.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
}

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

func testCounters(t *testing.T, be model.Backend) {
	e := newEnv(t, be, 1)
	c := e.counter(12345)
	for _, tc := range []struct {
		set, incs, want uint32
	}{{0, 0, 0}, {0, 1, 1}, {7, 3, 10}, {1 << 30, 1, 1<<30 + 1}, {0xfffffffe, 1, 0xffffffff}, {0xffffffff, 1, 0}, {0x7fc00000, 0, 0x7fc00000}} {
		be.SetCounter(c, tc.set)
		for i := uint32(0); i < tc.incs; i++ {
			be.IncCounter(c)
		}
		if got := math.Float32bits(e.get(c)[0]); got != tc.want {
			t.Errorf("SetCounter(%#x) then %d IncCounter: counter = %#x, want %#x", tc.set, tc.incs, got, tc.want)
		}
	}
}

// denseShapes are (batch, in, out) triples: degenerate, odd, and the
// Edward preset's layers.
var denseShapes = [][3]int{
	{1, 1, 1}, {3, 17, 5}, {17, 3, 127}, {2, 785, 1}, {127, 129, 3},
	{5, 127, 129}, {33, 100, 128}, {128, 128, 784}, {256, 784, 128}, {256, 128, 1},
}

func testDenseForward(t *testing.T, be model.Backend, tol Tolerance) {
	for si, sh := range denseShapes {
		batch, in, out := sh[0], sh[1], sh[2]
		for _, act := range activations {
			name := fmt.Sprintf("DenseForward(batch=%d, in=%d, out=%d, %v)", batch, in, out, act)
			e := newEnv(t, be, uint64(si*10+int(act)))
			x := e.uniform(batch*in, -1, 1)
			s := 2 / math.Sqrt(float64(in))
			w := e.uniform(in*out, -s, s)
			b := e.uniform(out, -0.5, 0.5)
			y := e.filled(batch*out, 7)
			be.DenseForward(y, e.buf(x), e.buf(w), e.buf(b), batch, in, out, act)
			check(t, name, e.get(y), refDense(x, w, b, batch, in, out, act), tol)
			e.sync()
		}
	}
}

// actOutput returns n plausible outputs of act, with exact zeros for ReLU.
func (e *env) actOutput(act model.Activation, n int) []float32 {
	switch act {
	case model.ReLU:
		y := e.uniform(n, -1, 1)
		for i, v := range y {
			y[i] = max(v, 0)
		}
		return y
	case model.Sigmoid:
		return e.uniform(n, 0.001, 0.999)
	case model.Tanh:
		return e.uniform(n, -0.999, 0.999)
	}
	return e.uniform(n, -2, 2)
}

func testDenseBackward(t *testing.T, be model.Backend, tol Tolerance) {
	// Which of dx, dw, db are requested.
	variants := []struct{ dx, dw, db bool }{
		{true, true, true}, {false, true, true}, {true, false, false}, {true, true, false}, {false, false, true},
	}
	for si, sh := range denseShapes {
		batch, in, out := sh[0], sh[1], sh[2]
		for _, act := range activations {
			for vi, v := range variants {
				if vi > 0 && (act != model.ReLU || si%3 != 0) && !(act == model.Tanh && vi == 1) {
					continue // every variant on a third of the shapes, to keep the suite quick
				}
				name := fmt.Sprintf("DenseBackward(batch=%d, in=%d, out=%d, %v, dx=%v dw=%v db=%v)", batch, in, out, act, v.dx, v.dw, v.db)
				e := newEnv(t, be, uint64(1000+si*100+int(act)*10+vi))
				x := e.uniform(batch*in, -1, 1)
				s := 2 / math.Sqrt(float64(in))
				w := e.uniform(in*out, -s, s)
				y := e.actOutput(act, batch*out)
				dy := e.uniform(batch*out, -1, 1)
				dyBuf := e.buf(dy)
				var dx, dw, db model.Buf
				if v.dx {
					dx = e.filled(batch*in, 7)
				}
				if v.dw {
					dw = e.filled(in*out, 7)
				}
				if v.db {
					db = e.filled(out, 7)
				}
				be.DenseBackward(dx, dw, db, dyBuf, e.buf(x), e.buf(w), e.buf(y), batch, in, out, act)
				wdx, wdw, wdb := refDenseBackward(dy, x, w, y, batch, in, out, act)
				if v.dx {
					check(t, name+" dx", e.get(dx), wdx, tol)
				}
				if v.dw {
					check(t, name+" dw", e.get(dw), wdw, tol)
				}
				if v.db {
					check(t, name+" db", e.get(db), wdb, tol)
				}
				checkExact(t, name+" dy (must not change)", e.get(dyBuf), dy)
				e.sync()
			}
		}
	}
}

// logits returns n logits: random ones spread wide, and the extremes.
func (e *env) logits(n int) []float32 {
	x := e.uniform(n, -12, 12)
	extremes := []float32{0, 100, -100, 1e4, -1e4, 30, -30, 1e-7}
	for i := 0; i < n && i < len(extremes); i++ {
		x[(i*7919)%n] = extremes[i]
	}
	return x
}

func testLogitBCE(t *testing.T, be model.Backend, tol Tolerance) {
	for _, n := range sizes {
		for ti, target := range []float32{0, 1, 0.9, 0.1} {
			for si, scale := range []float32{1, 1 / float32(n), -0.5} {
				for _, withDx := range []bool{true, false} {
					name := fmt.Sprintf("LogitBCE(n=%d, target=%v, scale=%v, dx=%v)", n, target, scale, withDx)
					e := newEnv(t, be, uint64(n*100+ti*10+si))
					x := e.logits(n)
					xBuf := e.buf(x)
					loss := e.filled(1, 7)
					var dx model.Buf
					if withDx {
						dx = e.filled(n, 7)
					}
					be.LogitBCE(dx, loss, xBuf, target, scale)
					wl, wdx := refLogitBCE(x, float64(target), float64(scale))
					got := e.get(loss)
					if math.IsNaN(float64(got[0])) || math.IsInf(float64(got[0]), 0) {
						t.Errorf("%s: loss %v is not finite", name, got[0])
					}
					check(t, name+" loss", got, []float64{wl}, tol)
					if withDx {
						check(t, name+" dx", e.get(dx), wdx, tol)
					}
					checkExact(t, name+" x (must not change)", e.get(xBuf), x)
					e.sync()
				}
			}
		}
	}
}

func testMeanSigmoid(t *testing.T, be model.Backend, tol Tolerance) {
	for _, n := range sizes {
		e := newEnv(t, be, uint64(n))
		x := e.logits(n)
		out := e.filled(1, 7)
		be.MeanSigmoid(out, e.buf(x))
		var s float64
		for _, v := range x {
			s += 1 / (1 + math.Exp(-float64(v)))
		}
		check(t, fmt.Sprintf("MeanSigmoid(n=%d)", n), e.get(out), []float64{s / float64(n)}, tol)
		e.sync()
	}
}

func testSumSquares(t *testing.T, be model.Backend, tol Tolerance) {
	for _, n := range append(sizes, 101_770) {
		e := newEnv(t, be, uint64(n))
		x := e.uniform(n, -2, 2)
		out := e.filled(1, 7)
		be.SumSquares(out, e.buf(x))
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v)
		}
		check(t, fmt.Sprintf("SumSquares(n=%d)", n), e.get(out), []float64{s}, tol)
		e.sync()
	}
}

func testSoftmaxXent(t *testing.T, be model.Backend, tol Tolerance) {
	for _, sh := range [][2]int{{1, 1}, {1, 2}, {3, 10}, {17, 3}, {128, 10}, {5, 129}} {
		batch, classes := sh[0], sh[1]
		for _, withDx := range []bool{true, false} {
			name := fmt.Sprintf("SoftmaxXent(batch=%d, classes=%d, dx=%v)", batch, classes, withDx)
			e := newEnv(t, be, uint64(batch*1000+classes))
			x := e.uniform(batch*classes, -8, 8)
			if batch > 1 {
				// Rows shifted far out: softmax must subtract the row maximum.
				for c := 0; c < classes; c++ {
					x[c] += 1e4
					x[classes+c] -= 1e4
				}
			}
			labels := make([]float32, batch)
			for i := range labels {
				labels[i] = float32(e.rng.IntN(classes))
			}
			scale := 1 / float32(batch)
			loss := e.filled(1, 7)
			var dx model.Buf
			if withDx {
				dx = e.filled(batch*classes, 7)
			}
			be.SoftmaxXent(dx, loss, e.buf(x), e.buf(labels), batch, classes, scale)
			wl, wdx := refSoftmaxXent(x, labels, batch, classes, float64(scale))
			check(t, name+" loss", e.get(loss), []float64{wl}, tol)
			if withDx {
				check(t, name+" dx", e.get(dx), wdx, tol)
			}
			e.sync()
		}
	}
}

func testAdam(t *testing.T, be model.Backend, tol Tolerance) {
	hps := []model.Adam{model.DefaultAdam(), {LR: 0.0002, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}, {LR: 0.01, Beta1: 0, Beta2: 0.9, Eps: 1e-3}}
	for _, n := range sizes {
		for hi, hp := range hps {
			for _, step := range []uint32{1, 2, 10, 1000, 100000} {
				name := fmt.Sprintf("Adam(n=%d, %+v, t=%d)", n, hp, step)
				e := newEnv(t, be, uint64(n*100+hi*10)+uint64(step))
				p := e.uniform(n, -1, 1)
				g := e.uniform(n, -0.1, 0.1)
				g[0] = 0
				m := e.uniform(n, -0.05, 0.05)
				v := e.uniform(n, 0, 0.01)
				pb, gb, mb, vb := e.buf(p), e.buf(g), e.buf(m), e.buf(v)
				be.Adam(pb, gb, mb, vb, hp, e.counter(step))
				wp, wm, wv := refAdam(p, g, m, v, hp, step)
				check(t, name+" p", e.get(pb), wp, tol)
				check(t, name+" m", e.get(mb), wm, tol)
				check(t, name+" v", e.get(vb), wv, tol)
				checkExact(t, name+" g (must not change)", e.get(gb), g)
				e.sync()
			}
		}
	}
}

var noiseSizes = []int{1, 3, 4, 5, 17, 127, 1023, 4099, 78_400}

func testNoise(t *testing.T, be model.Backend) {
	for _, n := range noiseSizes {
		for _, dist := range []model.Dist{model.Uniform01, model.UniformPM1, model.Normal} {
			for _, key := range []struct {
				seed         uint64
				stream, step uint32
			}{{0, 0, 0}, {42, 1, 7}, {0xdeadbeefcafef00d, 3, 0xffffffff}} {
				name := fmt.Sprintf("Noise(n=%d, %v, seed=%#x, stream=%d, step=%d)", n, dist, key.seed, key.stream, key.step)
				e := newEnv(t, be, uint64(n))
				dst := e.filled(n, 7)
				be.Noise(dst, dist, key.seed, key.stream, e.counter(key.step))
				want := make([]float32, n)
				switch dist {
				case model.Uniform01:
					rng.FillUniform01(want, key.seed, key.stream, key.step)
				case model.UniformPM1:
					rng.FillUniformPM1(want, key.seed, key.stream, key.step)
				case model.Normal:
					rng.FillNormal(want, key.seed, key.stream, key.step)
				}
				checkExact(t, name, e.get(dst), want)
				e.sync()
			}
		}
	}
}

func testBinarize(t *testing.T, be model.Backend) {
	for _, n := range noiseSizes {
		name := fmt.Sprintf("Binarize(n=%d)", n)
		e := newEnv(t, be, uint64(n))
		src := e.uniform(n, 0, 1)
		for i := 0; i < n; i += 5 {
			src[i] = float32(i % 2) // exact 0 and 1
		}
		const seed, stream, step = 99, 2, 31
		dst := e.filled(n, 7)
		be.Binarize(dst, e.buf(src), seed, stream, e.counter(step))
		u := make([]float32, n)
		rng.FillUniform01(u, seed, stream, step)
		want := make([]float32, n)
		for i := range want {
			if u[i] < src[i] {
				want[i] = 1
			}
		}
		checkExact(t, name, e.get(dst), want)
		e.sync()
	}
}

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
