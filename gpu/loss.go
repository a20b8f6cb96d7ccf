//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// reduceBlocks is the grid of pass 1 of a fixed-order reduction over n
// items: one block (which then writes scale*sum straight to the output)
// up to 64 items a thread, else one block per 256 items, at most
// partials, writing unscaled partial sums to the scratch buffer for pass 2.
// The grid depends on n alone, so results are reproducible.
func (be *Backend) reduceBlocks(n int) int {
	if n <= 64*threads {
		return 1
	}
	return min((n+threads-1)/threads, partials)
}

// final runs reduce_final over g partials when g > 1.
func (be *Backend) final(out *Buf, g int, scale float32) {
	if g > 1 {
		be.launchReduceFinal(dim3{1, 1, 1}, block1D, out.ptr(), be.scratch, g, scale)
	}
}

// partialOut is where pass 1 writes: out itself for one block, else the
// scratch buffer.
func (be *Backend) partialOut(out *Buf, g int) devPtr {
	if g == 1 {
		return out.ptr()
	}
	return be.scratch
}

// LogitBCE is the stable binary cross-entropy of logits x against target y,
// with its gradient (kernels/loss.cu):
//
//	for i := range x:
//	  l_i = max(x_i,0) - x_i*y + log1p(exp(-|x_i|))
//	  dx_i = scale * (sigmoid(x_i) - y)       (when dx is not nil)
//	loss[0] = scale * Σ_i l_i                 (fixed-order tree sum)
//
// x and dx are (n), loss is (1).
func (be *Backend) LogitBCE(dx, loss, x model.Buf, target, scale float32) {
	const op = "LogitBCE"
	xd, ld, dxd, ok := be.lossArgs(op, dx, loss, x)
	if !ok {
		return
	}
	// The kernel scales dx always and the sum only when it runs as one
	// block; with more, its partials are unscaled and pass 2 scales.
	g := be.reduceBlocks(xd.n)
	be.launchLogitBcePartial(dim3{uint32(g), 1, 1}, block1D, ptrOrNull(dxd), be.partialOut(ld, g), xd.ptr(), xd.n, target, scale)
	be.final(ld, g, scale)
}

// MeanSigmoid sets out[0] to the mean of sigmoid over x (kernels/loss.cu):
//
//	out[0] = (1/n) Σ_i sigmoid(x_i)           (0 for an empty x)
func (be *Backend) MeanSigmoid(out, x model.Buf) {
	be.reduceMap("MeanSigmoid", out, x, 0)
}

// SumSquares sets out[0] = Σ_i x_i² (kernels/loss.cu):
//
//	out[0] = Σ_i x_i*x_i
func (be *Backend) SumSquares(out, x model.Buf) {
	be.reduceMap("SumSquares", out, x, 1)
}

func (be *Backend) reduceMap(op string, out, x model.Buf, code int) {
	xd := be.arg(op, "x", x, 0, false)
	od := be.arg(op, "out", out, 1, true)
	if xd == nil || od == nil {
		return
	}
	scale := float32(1)
	if code == 0 && xd.n > 0 {
		scale = float32(1 / float64(xd.n))
	}
	g := be.reduceBlocks(xd.n)
	be.launchReduceMapPartial(dim3{uint32(g), 1, 1}, block1D, be.partialOut(od, g), xd.ptr(), xd.n, code, scale)
	be.final(od, g, scale)
}

// SoftmaxXent is softmax cross-entropy against integer labels, with its
// gradient (kernels/loss.cu, one thread per row):
//
//	for r in 0..batch-1:
//	  p = softmax(x[r*classes:(r+1)*classes]); c = int(labels[r])
//	  loss_r = -log p[c]
//	  dx[r*classes+j] = scale * (p[j] - (j == c ? 1 : 0))   (when dx is not nil)
//	loss[0] = scale * Σ_r loss_r
//
// x and dx are (batch, classes), labels is (batch), loss is (1). A label
// that is not a class number makes the loss NaN and Sync return an error.
func (be *Backend) SoftmaxXent(dx, loss, x, labels model.Buf, batch, classes int, scale float32) {
	const op = "SoftmaxXent"
	if classes <= 0 {
		panic(fmt.Sprintf("gpu: %s: %d classes, want at least 1", op, classes))
	}
	xd := be.arg(op, "x", x, batch*classes, false)
	lb := be.arg(op, "labels", labels, batch, false)
	ld := be.arg(op, "loss", loss, 1, true)
	dxd, ok := be.optArg(op, "dx", dx, batch*classes, false)
	if xd == nil || lb == nil || ld == nil || !ok {
		return
	}
	g := 1
	if batch > 16*threads {
		g = min((batch+threads-1)/threads, partials)
	}
	be.launchSoftmaxXentPartial(dim3{uint32(g), 1, 1}, block1D, ptrOrNull(dxd), be.partialOut(ld, g), xd.ptr(), lb.ptr(), batch, classes, scale, be.flag)
	be.final(ld, g, scale)
}

// FDivLoss sums one term of the f-GAN objective over the logits x, fused
// with its gradient (kernels/variants.cu, fdiv_partial; h and h' of the
// table of model.FDivergence evaluated in float64):
//
//	for i := range x:
//	  h, dh := term h of div at x_i, and its derivative
//	  dx_i = float32(scale * dh)             (when dx is not nil)
//	loss[0] = Σ_threads float32(scale * Σ_{i of the thread} h)   (fixed-order tree sum)
//
// x and dx are (n), loss is (1).
func (be *Backend) FDivLoss(dx, loss, x model.Buf, div model.FDivergence, term model.FTerm, scale float32) {
	const op = "FDivLoss"
	if div == model.FNone || div > model.FGAN {
		panic(fmt.Sprintf("gpu: %s: divergence %v is not an f-divergence", op, div))
	}
	if term > model.FConjugate {
		panic(fmt.Sprintf("gpu: %s: unknown term %d", op, term))
	}
	xd, ld, dxd, ok := be.lossArgs(op, dx, loss, x)
	if !ok {
		return
	}
	g := be.reduceBlocks(xd.n)
	be.launchFdivPartial(dim3{uint32(g), 1, 1}, block1D, ptrOrNull(dxd), be.partialOut(ld, g), xd.ptr(), xd.n, int(div), int(term), scale)
	be.final(ld, g, 1) // the kernel scaled each thread's sum
}

// lossArgs checks the arguments of an element-wise loss: logits x, the
// one-element loss, and dx (nil, or as long as x). ok is false after an
// error was recorded for a freed Buf.
func (be *Backend) lossArgs(op string, dx, loss, x model.Buf) (xd, ld, dxd *Buf, ok bool) {
	xd = be.arg(op, "x", x, 0, false)
	ld = be.arg(op, "loss", loss, 1, true)
	if xd == nil || ld == nil {
		return nil, nil, nil, false
	}
	dxd, ok = be.optArg(op, "dx", dx, xd.n, true)
	return xd, ld, dxd, ok
}
