package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

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

func testFDivLoss(t *testing.T, be model.Backend, tol Tolerance) {
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
