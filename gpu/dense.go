//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// tile picks the dense kernels' tile edge: 64 unless 64-wide tiles would
// leave most multiprocessors idle.
func (be *Backend) tile(rows, cols int) int {
	t64 := ((rows + 63) / 64) * ((cols + 63) / 64)
	if t64 >= be.sms {
		return 64
	}
	return 32
}

// DenseForward computes y = act(x·w + b) (kernels/dense.cu, variant 2):
//
//	for r in 0..batch-1, j in 0..out-1:
//	  s := float32(0)
//	  for p in 0..in-1: s += x[r*in+p] * w[p*out+j]
//	  y[r*out+j] = act(s + b[j])
//
// x is (batch, in), w is (in, out), b is (out), y is (batch, out); x and y
// may be longer (only the first batch rows are used).
func (be *Backend) DenseForward(y, x, w, b model.Buf, batch, in, out int, act model.Activation) {
	const op = "DenseForward"
	checkAct(op, act)
	yd := be.arg(op, "y", y, batch*out, false)
	xd := be.arg(op, "x", x, batch*in, false)
	wd := be.arg(op, "w", w, in*out, true)
	bd := be.arg(op, "b", b, out, true)
	if yd == nil || xd == nil || wd == nil || bd == nil || batch*out == 0 {
		return
	}
	launch, t := (*Backend).launchDenseForward2_64, 64
	if be.tile(batch, out) == 32 {
		launch, t = (*Backend).launchDenseForward2_32, 32
	}
	grid := dim3{uint32((out + t - 1) / t), uint32((batch + t - 1) / t), 1}
	launch(be, grid, block1D, yd.ptr(), xd.ptr(), wd.ptr(), bd.ptr(), batch, in, out, int(act))
}

// DenseBackward is the backward pass of DenseForward given its output y
// and the loss gradient dy, in one launch (kernels/dense.cu, variant 2):
//
//	dz[r*out+j] = dy[r*out+j] * act'(y[r*out+j])       (never stored)
//	dx[r*in+p]  = Σ_j dz[r*out+j] * w[p*out+j]
//	dw[p*out+j] = Σ_r x[r*in+p] * dz[r*out+j]
//	db[j]       = Σ_r dz[r*out+j]
//
// each output skipped when nil. x is (batch, in), w is (in, out), y and dy
// are (batch, out), dx is (batch, in), dw is (in, out), db is (out); x, y,
// dy and dx may be longer (only the first batch rows are used).
func (be *Backend) DenseBackward(dx, dw, db, dy, x, w, y model.Buf, batch, in, out int, act model.Activation) {
	const op = "DenseBackward"
	checkAct(op, act)
	dyd := be.arg(op, "dy", dy, batch*out, false)
	yd := be.arg(op, "y", y, batch*out, false)
	xd := be.arg(op, "x", x, batch*in, false)
	wd := be.arg(op, "w", w, in*out, true)
	dxd, ok1 := be.optArg(op, "dx", dx, batch*in, false)
	dwd, ok2 := be.optArg(op, "dw", dw, in*out, true)
	dbd, ok3 := be.optArg(op, "db", db, out, true)
	if dyd == nil || yd == nil || xd == nil || wd == nil || !ok1 || !ok2 || !ok3 {
		return
	}
	if dxd == nil && dwd == nil && dbd == nil {
		return
	}
	if batch == 0 {
		// Empty sums: the gradients of the parameters are zero.
		if dwd != nil {
			be.Fill(dw, 0)
		}
		if dbd != nil {
			be.Fill(db, 0)
		}
		return
	}
	if in == 0 && out == 0 {
		return
	}
	launch, t := (*Backend).launchDenseBackward2_64, 64
	if be.tile(max(batch, in+1), max(in, out)) == 32 {
		launch, t = (*Backend).launchDenseBackward2_32, 32
	}
	gx := max((in+t-1)/t, (out+t-1)/t)
	gy := max((batch+t-1)/t, (in+1+t-1)/t)
	launch(be, dim3{uint32(gx), uint32(gy), 2}, block1D,
		ptrOrNull(dxd), ptrOrNull(dwd), ptrOrNull(dbd), dyd.ptr(), xd.ptr(), wd.ptr(), yd.ptr(),
		batch, in, out, int(act))
}

// denseNaive runs variant 1 of kernels/dense.cu (one thread per output) for
// the same computation as DenseForward, or DenseBackward when backward: the
// device-side reference the tests compare variant 2 with.
func (be *Backend) denseNaive(backward bool, dx, dw, db, dy, x, w, b, y model.Buf, batch, in, out int, act model.Activation) {
	const op = "denseNaive"
	if !backward {
		yd, xd := be.arg(op, "y", y, batch*out, false), be.arg(op, "x", x, batch*in, false)
		wd, bd := be.arg(op, "w", w, in*out, true), be.arg(op, "b", b, out, true)
		be.launchDenseForward1(dim3{uint32((out + 127) / 128), uint32(batch), 1}, dim3{128, 1, 1}, yd.ptr(), xd.ptr(), wd.ptr(), bd.ptr(), batch, in, out, int(act))
		return
	}
	dyd, yd := be.arg(op, "dy", dy, batch*out, false), be.arg(op, "y", y, batch*out, false)
	xd, wd := be.arg(op, "x", x, batch*in, false), be.arg(op, "w", w, in*out, true)
	dxd, _ := be.optArg(op, "dx", dx, batch*in, false)
	dwd, _ := be.optArg(op, "dw", dw, in*out, true)
	dbd, _ := be.optArg(op, "db", db, out, true)
	if dxd != nil {
		be.launchDenseBackwardDx1(dim3{uint32((in + 127) / 128), uint32(batch), 1}, dim3{128, 1, 1}, dxd.ptr(), dyd.ptr(), wd.ptr(), yd.ptr(), batch, in, out, int(act))
	}
	if dwd != nil || dbd != nil {
		be.launchDenseBackwardDw1(dim3{uint32((out + 127) / 128), uint32(in + 1), 1}, dim3{128, 1, 1}, ptrOrNull(dwd), ptrOrNull(dbd), dyd.ptr(), xd.ptr(), yd.ptr(), batch, in, out, int(act))
	}
}

func checkAct(op string, act model.Activation) {
	if act > model.Tanh {
		panic(fmt.Sprintf("gpu: %s: unknown activation %v", op, act))
	}
}
