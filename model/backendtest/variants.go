package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
	"gan-train/rng"
)

// RunVariants checks the operations of the variant extensions
// (model.VariantBackend: f-GAN losses, one-hot labels, column copies,
// maxout, dropout) against float64 references written here from the
// documentation of package model alone.
//
//	func TestVariants(t *testing.T) {
//		backendtest.RunVariants(t, myBackend, backendtest.DefaultTolerance())
//	}
func RunVariants(t *testing.T, be model.VariantBackend, tol Tolerance) {
	t.Run("FDivLoss", func(t *testing.T) { testFDivLoss(t, be, tol) })
	t.Run("OneHot", func(t *testing.T) { testOneHot(t, be) })
	t.Run("CopyCols", func(t *testing.T) { testCopyCols(t, be) })
	t.Run("Maxout", func(t *testing.T) { testMaxout(t, be) })
	t.Run("Dropout", func(t *testing.T) { testDropout(t, be) })
}

var fdivs = []model.FDivergence{model.FKL, model.FReverseKL, model.FPearson, model.FSquaredHellinger, model.FJensenShannon, model.FGAN}

// refFDirect computes T, T', F and F' of a divergence from Nowozin et al.
// 2016's output activation g_f and conjugate f* as printed (composed
// literally, derivatives by the chain rule f*'(g(v))·g'(v)). It is only
// accurate where nothing overflows or cancels, |v| <= 12.
func refFDirect(div model.FDivergence, v float64) (T, dT, F, dF float64) {
	var g, dg, fs, dfs func(float64) float64
	switch div {
	case model.FKL:
		g, dg = func(v float64) float64 { return v }, func(float64) float64 { return 1 }
		fs, dfs = func(t float64) float64 { return math.Exp(t - 1) }, func(t float64) float64 { return math.Exp(t - 1) }
	case model.FReverseKL:
		g, dg = func(v float64) float64 { return -math.Exp(-v) }, func(v float64) float64 { return math.Exp(-v) }
		fs, dfs = func(t float64) float64 { return -1 - math.Log(-t) }, func(t float64) float64 { return -1 / t }
	case model.FPearson:
		g, dg = func(v float64) float64 { return v }, func(float64) float64 { return 1 }
		fs, dfs = func(t float64) float64 { return t*t/4 + t }, func(t float64) float64 { return t/2 + 1 }
	case model.FSquaredHellinger:
		g, dg = func(v float64) float64 { return 1 - math.Exp(-v) }, func(v float64) float64 { return math.Exp(-v) }
		fs, dfs = func(t float64) float64 { return t / (1 - t) }, func(t float64) float64 { return 1 / ((1 - t) * (1 - t)) }
	case model.FJensenShannon:
		g = func(v float64) float64 { return math.Log(2) - math.Log(1+math.Exp(-v)) }
		dg = func(v float64) float64 { return math.Exp(-v) / (1 + math.Exp(-v)) }
		fs = func(t float64) float64 { return -math.Log(2 - math.Exp(t)) }
		dfs = func(t float64) float64 { return math.Exp(t) / (2 - math.Exp(t)) }
	case model.FGAN:
		g = func(v float64) float64 { return -math.Log(1 + math.Exp(-v)) }
		dg = func(v float64) float64 { return math.Exp(-v) / (1 + math.Exp(-v)) }
		fs = func(t float64) float64 { return -math.Log(1 - math.Exp(t)) }
		dfs = func(t float64) float64 { return math.Exp(t) / (1 - math.Exp(t)) }
	}
	t := g(v)
	return t, dg(v), fs(t), dfs(t) * dg(v)
}

// refFAsymptotic gives the same four functions for |v| > 12 from their
// limits, written independently of any backend's closed forms: softplus(a)
// is a + log(1+exp(-a)) for a > 0 and log(1+exp(a)) for a < 0, and the
// exponentials follow model.ExpCap's tangent-line continuation.
func refFAsymptotic(div model.FDivergence, v float64) (T, dT, F, dF float64) {
	ex := func(a float64) (float64, float64) {
		if a > model.ExpCap {
			c := math.Exp(model.ExpCap)
			return c + c*(a-model.ExpCap), c
		}
		return math.Exp(a), math.Exp(a)
	}
	sp := func(a float64) float64 {
		if a > 0 {
			return a + math.Log(1+math.Exp(-a))
		}
		return math.Log(1 + math.Exp(a))
	}
	sig := func(a float64) float64 {
		if a > 0 {
			return 1 / (1 + math.Exp(-a))
		}
		return math.Exp(a) / (1 + math.Exp(a))
	}
	switch div {
	case model.FKL:
		F, dF = ex(v - 1)
		return v, 1, F, dF
	case model.FReverseKL:
		e, de := ex(-v)
		return -e, de, v - 1, 1
	case model.FPearson:
		return v, 1, v*v/4 + v, v/2 + 1
	case model.FSquaredHellinger:
		e, de := ex(-v)
		f, df := ex(v)
		return 1 - e, de, f - 1, df
	case model.FJensenShannon:
		return math.Log(2) - sp(-v), sig(-v), sp(v) - math.Log(2), sig(v)
	case model.FGAN:
		return -sp(-v), sig(-v), sp(v), sig(v)
	}
	return
}

func refF(div model.FDivergence, term model.FTerm, v float64) (h, dh float64) {
	var T, dT, F, dF float64
	if math.Abs(v) <= 12 {
		T, dT, F, dF = refFDirect(div, v)
	} else {
		T, dT, F, dF = refFAsymptotic(div, v)
	}
	if term == model.FActivation {
		return T, dT
	}
	return F, dF
}

func testFDivLoss(t *testing.T, be model.VariantBackend, tol Tolerance) {
	for _, div := range fdivs {
		for _, term := range []model.FTerm{model.FActivation, model.FConjugate} {
			for _, n := range []int{1, 3, 129, 4099} {
				for _, withDx := range []bool{true, false} {
					name := fmt.Sprintf("FDivLoss(%v, term %d, n=%d, dx=%v)", div, term, n, withDx)
					e := newEnv(t, be, uint64(n)*31+uint64(div)*7+uint64(term))
					x := e.logits(n)
					scale := float32(-1.5) / float32(n)
					xBuf := e.buf(x)
					loss := e.filled(1, 7)
					var dx model.Buf
					if withDx {
						dx = e.filled(n, 7)
					}
					be.FDivLoss(dx, loss, xBuf, div, term, scale)
					var wl float64
					wdx := make([]float64, n)
					for i, v := range x {
						h, dh := refF(div, term, float64(v))
						wl += h
						wdx[i] = float64(scale) * dh
					}
					got := e.get(loss)
					if math.IsNaN(float64(got[0])) || math.IsInf(float64(got[0]), 0) {
						t.Errorf("%s: loss %v is not finite", name, got[0])
					}
					check(t, name+" loss", got, []float64{float64(scale) * wl}, tol)
					if withDx {
						g := e.get(dx)
						for i, v := range g {
							if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
								t.Errorf("%s: dx[%d] = %v at logit %v", name, i, v, x[i])
								break
							}
						}
						check(t, name+" dx", g, wdx, tol)
					}
					checkExact(t, name+" x (must not change)", e.get(xBuf), x)
					e.sync()
				}
			}
		}
	}
	// Fenchel duality at p = q: the optimal critic sits where
	// g_f(v*) = f'(1), and there T(v*) - F(v*) = f'(1) - f*(f'(1)) = f(1),
	// which is 0 for every divergence but gan's (f(1) = -2 log 2).
	e := newEnv(t, be, 3)
	for _, c := range []struct {
		div       model.FDivergence
		vStar, f1 float64
	}{
		{model.FKL, 1, 0}, {model.FReverseKL, 0, 0}, {model.FPearson, 0, 0},
		{model.FSquaredHellinger, 0, 0}, {model.FJensenShannon, 0, 0}, {model.FGAN, 0, -2 * math.Ln2},
	} {
		x := e.buf([]float32{float32(c.vStar)})
		lt, lf := e.filled(1, 7), e.filled(1, 7)
		be.FDivLoss(nil, lt, x, c.div, model.FActivation, 1)
		be.FDivLoss(nil, lf, x, c.div, model.FConjugate, 1)
		a, b := float64(e.get(lt)[0]), float64(e.get(lf)[0])
		if math.Abs(a-b-c.f1) > 1e-6 {
			t.Errorf("%v at v* = %v: T - F = %v - %v = %v, want f(1) = %v", c.div, c.vStar, a, b, a-b, c.f1)
		}
	}
	e.sync()
}

func testOneHot(t *testing.T, be model.VariantBackend) {
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

func testCopyCols(t *testing.T, be model.VariantBackend) {
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

func testMaxout(t *testing.T, be model.VariantBackend) {
	for _, sh := range [][3]int{{1, 1, 1}, {1, 3, 2}, {7, 5, 5}, {33, 240, 5}, {128, 17, 3}} {
		rows, units, pieces := sh[0], sh[1], sh[2]
		name := fmt.Sprintf("Maxout(rows=%d, units=%d, pieces=%d)", rows, units, pieces)
		e := newEnv(t, be, uint64(rows*units*pieces))
		x := e.uniform(rows*units*pieces, -2, 2)
		// Ties on some groups: small integers repeat often.
		for i := 0; i < len(x); i += 3 {
			x[i] = float32(e.rng.IntN(3) - 1)
		}
		dy := e.uniform(rows*units, -1, 1)
		xBuf, dyBuf := e.buf(x), e.buf(dy)
		y, dx := e.filled(rows*units, 7), e.filled(rows*units*pieces, 7)
		be.MaxoutForward(y, xBuf, rows, units, pieces)
		be.MaxoutBackward(dx, dyBuf, xBuf, rows, units, pieces)
		wy := make([]float32, rows*units)
		wdx := make([]float32, rows*units*pieces)
		for i := range wy {
			best := i * pieces
			for p := 1; p < pieces; p++ {
				if x[i*pieces+p] > x[best] {
					best = i*pieces + p
				}
			}
			wy[i] = x[best]
			wdx[best] = dy[i]
		}
		checkExact(t, name+" y", e.get(y), wy)
		checkExact(t, name+" dx", e.get(dx), wdx)
		checkExact(t, name+" x (must not change)", e.get(xBuf), x)
		e.sync()
	}
}

func testDropout(t *testing.T, be model.VariantBackend) {
	for _, n := range []int{1, 5, 129, 4099, 78_400} {
		for _, rate := range []float32{0, 0.2, 0.5} {
			for _, inPlace := range []bool{false, true} {
				name := fmt.Sprintf("Dropout(n=%d, rate=%v, in place=%v)", n, rate, inPlace)
				e := newEnv(t, be, uint64(n))
				const seed, stream, step = 77, 1030, 12
				src := e.uniform(n, -2, 2)
				srcBuf := e.buf(src)
				dst := srcBuf
				if !inPlace {
					dst = e.filled(n, 7)
				}
				be.Dropout(dst, srcBuf, rate, seed, stream, e.counter(step))
				u := make([]float32, n)
				rng.FillUniform01(u, seed, stream, step)
				want := make([]float64, n)
				kept := 0
				for i := range want {
					if u[i] >= rate {
						want[i] = float64(src[i]) / (1 - float64(rate))
						kept++
					}
				}
				check(t, name, e.get(dst), want, Tolerance{Atol: 0, Rtol: 1e-6})
				if n >= 4099 {
					if frac := float64(kept) / float64(n); math.Abs(frac-(1-float64(rate))) > 0.03 {
						t.Errorf("%s: kept %.3f of the values, want about %.3f", name, frac, 1-rate)
					}
				}
				e.sync()
			}
		}
	}
}
