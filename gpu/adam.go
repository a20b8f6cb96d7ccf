//go:build cuda || cudaemu

package gpu

import "gan-train/model"

// Adam updates p in place from its gradient g and the moments m and v, at
// the step t read from the counter tc (kernels/adam.cu, one launch):
//
//	c1 = float32(1 - b1^t); c2 = float32(1 - b2^t)   (powers in float64)
//	for i := range p:
//	  m[i] = b1*m[i] + (1-b1)*g[i]
//	  v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
//	  p[i] -= lr * (m[i]/c1) / (sqrt(v[i]/c2) + eps)
//
// A step count of 0 leaves everything unchanged and makes Sync return an
// error.
func (be *Backend) Adam(p, g, m, v model.Buf, hp model.Adam, tc model.Buf) {
	const op = "Adam"
	pd := be.arg(op, "p", p, 0, false)
	gd := be.arg(op, "g", g, p.Len(), true)
	md := be.arg(op, "m", m, p.Len(), true)
	vd := be.arg(op, "v", v, p.Len(), true)
	td := counterArg(be, op, "tc", tc)
	if pd == nil || gd == nil || md == nil || vd == nil || td == nil || pd.n == 0 {
		return
	}
	be.launchAdamStep(be.elems(pd.n), block1D, pd.ptr(), gd.ptr(), md.ptr(), vd.ptr(), pd.n, hp.LR, hp.Beta1, hp.Beta2, hp.Eps, td.ptr(), be.flag)
}
