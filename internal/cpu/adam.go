package cpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// Adam updates p in place, with t read from the counter tc:
//
//	c1 = float32(1 - b1^t); c2 = float32(1 - b2^t)   (powers in float64)
//	for i:
//	  m[i] = b1*m[i] + (1-b1)*g[i]
//	  v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
//	  p[i] -= lr * (m[i]/c1) / (sqrt(v[i]/c2) + eps)
//
// all in float32. A step count of 0 records an error (see Sync) and leaves
// everything unchanged.
func (be *Backend) Adam(p, g, m, v model.Buf, hp model.Adam, tc model.Buf) {
	ps, gs, ms, vs := f32(p), f32(g), f32(m), f32(v)
	need("Adam", "g", gs, len(ps))
	need("Adam", "m", ms, len(ps))
	need("Adam", "v", vs, len(ps))
	t := counter("Adam", tc)
	if t == 0 {
		be.fail(fmt.Errorf("cpu: Adam: step counter is 0, want >= 1"))
		return
	}
	c1 := float32(1 - math.Pow(float64(hp.Beta1), float64(t)))
	c2 := float32(1 - math.Pow(float64(hp.Beta2), float64(t)))
	k := adamConsts{b1: hp.Beta1, ob1: 1 - hp.Beta1, b2: hp.Beta2, ob2: 1 - hp.Beta2, c1: c1, c2: c2, lr: hp.LR, eps: hp.Eps}
	update := be.adam
	if update == nil {
		update = adamScalar
	}
	be.parallel(len(ps), elementGrain, 1, func(lo, hi int) {
		update(ps[lo:hi], gs[lo:hi], ms[lo:hi], vs[lo:hi], &k)
	})
}

// adamConsts are Adam's per-call constants, laid out as adam_amd64.s reads
// them.
type adamConsts struct {
	b1, ob1, b2, ob2, c1, c2, lr, eps float32
}

// adamScalar is Adam's element loop (see Backend.Adam) for len(p) elements.
// The explicit conversions round each product, so that no compiler fuses a
// multiply-add and the assembly version stays bit-identical.
func adamScalar(p, g, m, v []float32, k *adamConsts) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		mi := float32(k.b1*m[i]) + float32(k.ob1*gi)
		vi := float32(k.b2*v[i]) + float32(k.ob2*float32(gi*gi))
		m[i], v[i] = mi, vi
		step := float32(k.lr*float32(mi/k.c1)) / (float32(math.Sqrt(float64(vi/k.c2))) + k.eps)
		p[i] -= step
	}
}
