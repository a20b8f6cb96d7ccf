//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// Each method below enqueues one or two kernels of package kernels on the
// backend's stream and returns at once. Its doc comment is the loop it
// computes (the same function as the cpu backend's method, summed in a
// different but fixed order). A shape mismatch panics (a programming error,
// as model.Backend allows); a freed Buf, a failed launch or bad input a
// kernel detects is recorded and returned by the next Sync.

const threads = 256 // block size of the element-wise and reduction kernels

// arg checks that b is a live Buf of this backend with at least min
// elements (exactly min when exact), panicking on a shape mismatch; it
// returns nil after recording an error when b was freed.
func (be *Backend) arg(op, name string, b model.Buf, min int, exact bool) *Buf {
	d := be.buf(op, name, b)
	if d.n < min || (exact && d.n != min) {
		want := "at least "
		if exact {
			want = ""
		}
		panic(fmt.Sprintf("gpu: %s: %s has %d elements, want %s%d", op, name, d.n, want, min))
	}
	if d.a.freed {
		be.fail(fmt.Errorf("gpu: %s: %s was freed", op, name))
		return nil
	}
	return d
}

// optArg is arg for optional outputs; ok is false when b was freed.
func (be *Backend) optArg(op, name string, b model.Buf, min int, exact bool) (d *Buf, ok bool) {
	if be.opt(op, name, b) == nil {
		return nil, true
	}
	d = be.arg(op, name, b, min, exact)
	return d, d != nil
}

func counterArg(be *Backend, op, name string, c model.Buf) *Buf {
	return be.arg(op, name, c, 1, true)
}

// run enqueues k, recording a failure. Its callers are the typed
// launchers of kernels_gen.go, generated from the kernels' signatures.
func (be *Backend) run(k kernel, grid, block dim3, args ...uint64) {
	if be.closed {
		be.fail(fmt.Errorf("gpu: %s: backend is closed", k.name))
		return
	}
	if err := be.drv.launch(k, grid, block, args...); err != nil {
		be.fail(err)
	}
}

// elems is the grid of a grid-stride kernel over n items: enough blocks to
// give each thread about one item, at most 16 per multiprocessor.
func (be *Backend) elems(n int) dim3 {
	g := (n + threads - 1) / threads
	g = max(1, min(g, 16*be.sms))
	return dim3{uint32(g), 1, 1}
}

var block1D = dim3{threads, 1, 1}

func ptrOrNull(b *Buf) devPtr {
	if b == nil {
		return 0
	}
	return b.ptr()
}

// Copy copies src to dst (same length):
//
//	for i := range dst: dst[i] = src[i]
func (be *Backend) Copy(dst, src model.Buf) {
	s := be.arg("Copy", "src", src, 0, false)
	d := be.arg("Copy", "dst", dst, src.Len(), true)
	if d == nil || s == nil || d.n == 0 {
		return
	}
	be.launchCopyF32(be.elems(d.n), block1D, d.ptr(), s.ptr(), d.n)
}

// Fill sets every element of x to v:
//
//	for i := range x: x[i] = v
func (be *Backend) Fill(x model.Buf, v float32) {
	d := be.arg("Fill", "x", x, 0, false)
	if d == nil || d.n == 0 {
		return
	}
	be.launchFillF32(be.elems(d.n), block1D, d.ptr(), d.n, v)
}

// Affine sets x[i] = a*x[i] + c:
//
//	for i := range x: x[i] = a*x[i] + c
func (be *Backend) Affine(x model.Buf, a, c float32) {
	d := be.arg("Affine", "x", x, 0, false)
	if d == nil || d.n == 0 {
		return
	}
	be.launchAffineF32(be.elems(d.n), block1D, d.ptr(), d.n, a, c)
}

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
	xd := be.arg(op, "x", x, 0, false)
	ld := be.arg(op, "loss", loss, 1, true)
	if xd == nil || ld == nil {
		return
	}
	dxd, ok := be.optArg(op, "dx", dx, xd.n, true)
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

// Noise fills dst with Philox4x32-10 draws (kernels/rng.cu; package rng is
// the specification), step read from the counter sc:
//
//	for j := 0; 4*j < n; j++:
//	  x = rng.Block(seed, stream, step, j)
//	  Uniform01:  dst[4j+l] = rng.ToUniform01(x[l])
//	  UniformPM1: dst[4j+l] = 2*rng.ToUniform01(x[l]) - 1
//	  Normal:     dst[4j..4j+3] = rng.BoxMuller(x[0], x[1]), rng.BoxMuller(x[2], x[3])
func (be *Backend) Noise(dst model.Buf, dist model.Dist, seed uint64, stream uint32, sc model.Buf) {
	const op = "Noise"
	if dist > model.Normal {
		panic(fmt.Sprintf("gpu: %s: unknown distribution %v", op, dist))
	}
	d := be.arg(op, "dst", dst, 0, false)
	s := counterArg(be, op, "sc", sc)
	if d == nil || s == nil || d.n == 0 {
		return
	}
	be.launchRngNoise(be.elems((d.n+3)/4), block1D, d.ptr(), d.n, int(dist), seed, stream, s.ptr())
}

// Binarize draws Bernoulli(src[i]) with the Uniform01 draws of Noise
// (kernels/rng.cu):
//
//	for i := range dst: dst[i] = 1 if rng.ToUniform01(x_i) < src[i] else 0
//
// x_i the raw draw of index i for (seed, stream, step read from sc).
func (be *Backend) Binarize(dst, src model.Buf, seed uint64, stream uint32, sc model.Buf) {
	const op = "Binarize"
	s := be.arg(op, "src", src, 0, false)
	d := be.arg(op, "dst", dst, src.Len(), true)
	c := counterArg(be, op, "sc", sc)
	if d == nil || s == nil || c == nil || d.n == 0 {
		return
	}
	be.launchRngBinarize(be.elems((d.n+3)/4), block1D, d.ptr(), s.ptr(), d.n, seed, stream, c.ptr())
}

// GatherRows copies one batch of rows of src into dst (kernels/misc.cu):
//
//	rows = len(dst)/cols; t = counter bc
//	for r in 0..rows-1, c in 0..cols-1:
//	  dst[r*cols+c] = src[int(perm[t*rows+r])*cols+c]
//
// src is (N, cols), perm holds row numbers as float32, dst is (rows, cols).
// A batch past the end of perm or a row number out of range sets that row
// to NaN and makes Sync return an error.
func (be *Backend) GatherRows(dst, src, perm model.Buf, cols int, bc model.Buf) {
	const op = "GatherRows"
	d := be.arg(op, "dst", dst, 0, false)
	s := be.arg(op, "src", src, 0, false)
	p := be.arg(op, "perm", perm, 0, false)
	c := counterArg(be, op, "bc", bc)
	if cols <= 0 || dst.Len()%cols != 0 || src.Len()%cols != 0 {
		panic(fmt.Sprintf("gpu: %s: dst (%d) and src (%d) are not whole rows of %d columns", op, dst.Len(), src.Len(), cols))
	}
	if d == nil || s == nil || p == nil || c == nil || d.n == 0 {
		return
	}
	rows := d.n / cols
	be.launchGatherRows(be.elems(d.n), block1D, d.ptr(), s.ptr(), p.ptr(), rows, cols, s.n/cols, p.n, c.ptr(), be.flag)
}

// SetCounter sets the counter c to v (kernels/rng.cu):
//
//	c[0] = math.Float32frombits(v)
func (be *Backend) SetCounter(c model.Buf, v uint32) {
	d := counterArg(be, "SetCounter", "c", c)
	if d == nil {
		return
	}
	be.launchCounterSet(dim3{1, 1, 1}, dim3{1, 1, 1}, d.ptr(), v)
}

// IncCounter adds one to the counter c (kernels/rng.cu):
//
//	c[0] = math.Float32frombits(math.Float32bits(c[0]) + 1)
func (be *Backend) IncCounter(c model.Buf) {
	d := counterArg(be, "IncCounter", "c", c)
	if d == nil {
		return
	}
	be.launchCounterInc(dim3{1, 1, 1}, dim3{1, 1, 1}, d.ptr())
}
