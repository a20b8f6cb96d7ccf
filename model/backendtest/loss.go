package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

// logits returns n logits: random ones spread wide, and the extremes.
func (e *env) logits(n int) []float32 {
	x := e.uniform(n, -12, 12)
	extremes := []float32{0, 100, -100, 1e4, -1e4, 30, -30, 1e-7}
	for i := 0; i < n && i < len(extremes); i++ {
		x[(i*7919)%n] = extremes[i]
	}
	return x
}

// refLogitBCE returns the loss and dx of LogitBCE. The per-element loss is
// written as softplus(x) - x*y, evaluated stably in two branches.
func refLogitBCE(x []float32, target, scale float64) (float64, []float64) {
	var loss float64
	dx := make([]float64, len(x))
	for i, xf := range x {
		v := float64(xf)
		var softplus, sig float64
		if v > 0 {
			softplus = v + math.Log1p(math.Exp(-v))
			sig = 1 / (1 + math.Exp(-v))
		} else {
			softplus = math.Log1p(math.Exp(v))
			sig = math.Exp(v) / (1 + math.Exp(v))
		}
		loss += softplus - v*target
		dx[i] = scale * (sig - target)
	}
	return scale * loss, dx
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

// refSoftmaxXent returns the loss and dx of SoftmaxXent.
func refSoftmaxXent(x, labels []float32, batch, classes int, scale float64) (float64, []float64) {
	var loss float64
	dx := make([]float64, batch*classes)
	for r := 0; r < batch; r++ {
		row := x[r*classes : (r+1)*classes]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(s)
		k := int(labels[r])
		loss += lse - float64(row[k])
		for c, v := range row {
			p := math.Exp(float64(v) - lse)
			if c == k {
				p -= 1
			}
			dx[r*classes+c] = scale * p
		}
	}
	return scale * loss, dx
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

// lossGroup is the suite's group for model.LossOps.
func lossGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Loss", []opCheck{
		{"LogitBCE", []string{"LogitBCE"}, at(testLogitBCE)},
		{"SoftmaxXent", []string{"SoftmaxXent"}, at(testSoftmaxXent)},
		{"FDivLoss", []string{"FDivLoss"}, at(testFDivLoss)},
		{"MeanSigmoid", []string{"MeanSigmoid"}, at(testMeanSigmoid)},
		{"SumSquares", []string{"SumSquares"}, at(testSumSquares)},
	}}
}
