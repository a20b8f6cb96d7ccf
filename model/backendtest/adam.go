package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

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

// optimiserGroup is the suite's group for model.OptimiserOps.
func optimiserGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Optimiser", []opCheck{{"Adam", []string{"Adam"}, at(testAdam)}}}
}
