package backendtest

import (
	"math"

	"gan-train/model"
)

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

// refAdam returns p, m and v after one Adam step at step count t.
func refAdam(p, g, m, v []float32, hp model.Adam, t uint32) (pp, mm, vv []float64) {
	b1, b2 := float64(hp.Beta1), float64(hp.Beta2)
	c1 := 1 - math.Pow(b1, float64(t))
	c2 := 1 - math.Pow(b2, float64(t))
	pp, mm, vv = make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
	for i := range p {
		gi := float64(g[i])
		mm[i] = b1*float64(m[i]) + (1-b1)*gi
		vv[i] = b2*float64(v[i]) + (1-b2)*gi*gi
		pp[i] = float64(p[i]) - float64(hp.LR)*(mm[i]/c1)/(math.Sqrt(vv[i]/c2)+float64(hp.Eps))
	}
	return pp, mm, vv
}
