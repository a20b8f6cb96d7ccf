package cpu

import (
	"fmt"

	"gan-train/model"
)

// derivative returns act'(z) computed from y = act(z), in float32:
// identity 1; relu 1 if y > 0 else 0; leaky relu 1 if y > 0 else
// LeakySlope; sigmoid y*(1-y); tanh 1-y*y (y*y rounded first). The
// backward pass applies it to whole slices (derivScalar and its AVX2
// twin in act.go); this scalar form is the reference the tests use.
func derivative(act model.Activation, y float32) float32 {
	switch act {
	case model.Identity:
		return 1
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
		return 1 - float32(y*y)
	}
	panic(fmt.Sprintf("cpu: unknown activation %v", act))
}

func checkAct(op string, act model.Activation) {
	if act > model.Tanh {
		panic(fmt.Sprintf("cpu: %s: unknown activation %v", op, act))
	}
}

// DenseForward computes y = act(x·w + b):
//
//	for r in 0..batch-1, j in 0..out-1:
//	  s := float32(0)
//	  for p in 0..in-1: s += x[r*in+p] * w[p*out+j]
//	  y[r*out+j] = act(s + b[j])
//
// x is (batch, in), w is (in, out), b is (out), y is (batch, out); x and y
// may be longer (only the first batch rows are used).
func (be *Backend) DenseForward(y, x, w, b model.Buf, batch, in, out int, act model.Activation) {
	checkAct("DenseForward", act)
	ys := atLeast("DenseForward", "y", f32(y), batch*out)
	xs := atLeast("DenseForward", "x", f32(x), batch*in)
	ws, bs := f32(w), f32(b)
	need("DenseForward", "w", ws, in*out)
	need("DenseForward", "b", bs, out)
	if out == 1 && be.gemmImpl != GonumGEMM && be.kernel.fwd1 != nil {
		be.kernel.fwd1(batch, in, xs, ws, ys, &be.packB)
		for r, v := range ys {
			ys[r] = v + bs[0]
		}
		be.act.fwd(act, ys)
		return
	}
	be.gemm(ys, out, batch, out, in, operand{xs, in, false}, operand{ws, out, false}, bs, act)
}

// DenseBackward is the backward pass of DenseForward given its output y and
// the loss gradient dy:
//
//	dz[r*out+j] = dy[r*out+j] * act'(y[r*out+j])       (float32; see derivative)
//	dx[r*in+p]  = Σ_j dz[r*out+j] * w[p*out+j]          (j in order, float32)
//	dw[p*out+j] = Σ_r x[r*in+p] * dz[r*out+j]           (r in order, float32)
//	db[j]       = float32(Σ_r float64(dz[r*out+j]))     (r in order)
//
// each output skipped when nil. x is (batch, in), w is (in, out), y and dy
// are (batch, out), dx is (batch, in), dw is (in, out), db is (out); x, y,
// dy and dx may be longer (only the first batch rows are used).
func (be *Backend) DenseBackward(dx, dw, db, dy, x, w, y model.Buf, batch, in, out int, act model.Activation) {
	const op = "DenseBackward"
	checkAct(op, act)
	dys := atLeast(op, "dy", f32(dy), batch*out)
	ys := atLeast(op, "y", f32(y), batch*out)
	xs := atLeast(op, "x", f32(x), batch*in)
	ws := f32(w)
	need(op, "w", ws, in*out)
	dxs, dws, dbs := opt(dx), opt(dw), opt(db)
	if dxs != nil {
		dxs = atLeast(op, "dx", dxs, batch*in)
	}
	if dws != nil {
		need(op, "dw", dws, in*out)
	}
	if dbs != nil {
		need(op, "db", dbs, out)
	}

	dz := dys
	if act != model.Identity {
		dz = grow(&be.dz, batch*out)
		be.parallel(batch, max(1, elementGrain/max(out, 1)), 1, func(lo, hi int) {
			be.act.bwd(act, dz[lo*out:hi*out], dys[lo*out:hi*out], ys[lo*out:hi*out])
		})
	}
	if dbs != nil {
		acc := make([]float64, out)
		for r := 0; r < batch; r++ {
			for j, v := range dz[r*out : (r+1)*out] {
				acc[j] += float64(v)
			}
		}
		for j, v := range acc {
			dbs[j] = float32(v)
		}
	}
	if out == 1 && dxs != nil && dws != nil && be.gemmImpl != GonumGEMM && be.kernel.back1 != nil {
		be.back1(batch, in, xs, dz, ws, dxs, dws)
		return
	}
	if dxs != nil {
		be.gemm(dxs, in, batch, in, out, operand{dz, out, false}, operand{ws, out, true}, nil, model.Identity)
	}
	if dws != nil {
		be.gemm(dws, out, in, out, batch, operand{xs, in, true}, operand{dz, out, false}, nil, model.Identity)
	}
}
