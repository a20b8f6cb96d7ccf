package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

// denseShapes are (batch, in, out) triples: degenerate, odd, and the
// Edward preset's layers.
var denseShapes = [][3]int{
	{1, 1, 1}, {3, 17, 5}, {17, 3, 127}, {2, 785, 1}, {127, 129, 3},
	{5, 127, 129}, {33, 100, 128}, {128, 128, 784}, {256, 784, 128}, {256, 128, 1},
}

// The float64 references below are written from the Backend documentation
// alone; they share no code with any backend.

func refAct(a model.Activation, z float64) float64 {
	switch a {
	case model.ReLU:
		return math.Max(z, 0)
	case model.LeakyReLU:
		if z > 0 {
			return z
		}
		return model.LeakySlope * z
	case model.Sigmoid:
		return 1 / (1 + math.Exp(-z))
	case model.Tanh:
		return math.Tanh(z)
	}
	return z
}

// refActGrad is act'(z) expressed through y = act(z).
func refActGrad(a model.Activation, y float64) float64 {
	switch a {
	case model.ReLU:
		if y > 0 {
			return 1
		}
		return 0
	case model.LeakyReLU:
		if y > 0 {
			return 1
		}
		return model.LeakySlope
	case model.Sigmoid:
		return y * (1 - y)
	case model.Tanh:
		return 1 - y*y
	}
	return 1
}

// refDense is y = act(x·w + b); x is (batch, in), w is (in, out), b is (out).
func refDense(x, w, b []float32, batch, in, out int, act model.Activation) []float64 {
	y := make([]float64, batch*out)
	for r := 0; r < batch; r++ {
		for j := 0; j < out; j++ {
			s := float64(b[j])
			for p := 0; p < in; p++ {
				s += float64(x[r*in+p]) * float64(w[p*out+j])
			}
			y[r*out+j] = refAct(act, s)
		}
	}
	return y
}

// refDenseBackward returns dx (batch, in), dw (in, out) and db (out).
func refDenseBackward(dy, x, w, y []float32, batch, in, out int, act model.Activation) (dx, dw, db []float64) {
	dz := make([]float64, batch*out)
	for i := range dz {
		dz[i] = float64(dy[i]) * refActGrad(act, float64(y[i]))
	}
	dx = make([]float64, batch*in)
	dw = make([]float64, in*out)
	db = make([]float64, out)
	for r := 0; r < batch; r++ {
		for p := 0; p < in; p++ {
			var s float64
			for j := 0; j < out; j++ {
				s += dz[r*out+j] * float64(w[p*out+j])
			}
			dx[r*in+p] = s
		}
	}
	for p := 0; p < in; p++ {
		for j := 0; j < out; j++ {
			var s float64
			for r := 0; r < batch; r++ {
				s += float64(x[r*in+p]) * dz[r*out+j]
			}
			dw[p*out+j] = s
		}
	}
	for j := 0; j < out; j++ {
		for r := 0; r < batch; r++ {
			db[j] += dz[r*out+j]
		}
	}
	return dx, dw, db
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

// denseGroup is the suite's group for model.DenseOps.
func denseGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Dense", []opCheck{
		{"DenseForward", []string{"DenseForward"}, at(testDenseForward)},
		{"DenseBackward", []string{"DenseBackward"}, at(testDenseBackward)},
	}}
}
