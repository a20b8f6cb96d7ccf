package backendtest

import (
	"fmt"
	"testing"

	"gan-train/model"
)

// Determinism runs the same fixed sequence of operations (dense forward and
// backward at shapes that straddle tile and block sizes, the losses, the
// reductions, Adam, noise, and minibatch discrimination at a shape of the
// trainer's: 2B rows in groups of B, B = 64, 100 kernels of 5 dims) twice on each backend, and fails unless every
// result is bit-identical across runs and across backends. Pass one backend
// to check run-to-run repeatability, or several configurations of one
// implementation (worker counts, say) to check that they agree.
func Determinism(t *testing.T, backends ...model.Backend) {
	var ref map[string][]float32
	var refName string
	for bi, be := range backends {
		for run := 0; run < 2; run++ {
			got := program(t, be)
			name := fmt.Sprintf("backend %d (%s) run %d", bi, be.Name(), run)
			if ref == nil {
				ref, refName = got, name
				continue
			}
			for _, k := range programOutputs {
				checkExact(t, fmt.Sprintf("%s vs %s: %s", name, refName, k), got[k], ref[k])
			}
		}
	}
}

var programOutputs = []string{"y", "dx", "dw", "db", "bce", "bcedx", "meansig", "sumsq", "xent", "xentdx", "p", "m", "v", "noise", "mbd_o", "mbd_dm"}

// program runs the fixed sequence on be and returns its outputs by name.
func program(t *testing.T, be model.Backend) map[string][]float32 {
	t.Helper()
	e := newEnv(t, be, 7)
	const batch, in, out = 130, 785, 131
	x, w, b := e.buf(e.uniform(batch*in, -1, 1)), e.buf(e.uniform(in*out, -0.1, 0.1)), e.buf(e.uniform(out, -1, 1))
	y := e.filled(batch*out, 0)
	be.DenseForward(y, x, w, b, batch, in, out, model.Tanh)
	dy := e.buf(e.uniform(batch*out, -1, 1))
	dx, dw, db := e.filled(batch*in, 0), e.filled(in*out, 0), e.filled(out, 0)
	be.DenseBackward(dx, dw, db, dy, x, w, y, batch, in, out, model.Tanh)

	logits := e.buf(e.logits(4099))
	bce, bcedx := e.filled(1, 0), e.filled(4099, 0)
	be.LogitBCE(bcedx, bce, logits, 0.9, 1.0/4099)
	meansig, sumsq := e.filled(1, 0), e.filled(1, 0)
	be.MeanSigmoid(meansig, logits)
	be.SumSquares(sumsq, dw)

	const rows, classes = 129, 10
	labels := make([]float32, rows)
	for i := range labels {
		labels[i] = float32(i % classes)
	}
	xent, xentdx := e.filled(1, 0), e.filled(rows*classes, 0)
	be.SoftmaxXent(xentdx, xent, e.buf(e.uniform(rows*classes, -5, 5)), e.buf(labels), rows, classes, 1.0/rows)

	p, m, v := e.buf(e.uniform(in*out, -1, 1)), e.filled(in*out, 0), e.filled(in*out, 0)
	be.Adam(p, dw, m, v, model.DefaultAdam(), e.counter(3))

	noise := e.filled(100_003, 0)
	be.Noise(noise, model.Normal, 5, 1, e.counter(9))

	const mrows, group, kernels, dims = 128, 64, 100, 5
	mb := e.buf(e.mbdInput(mrows, group, kernels, dims))
	mbO, mbDM := e.filled(mrows*kernels, 0), e.filled(mrows*kernels*dims, 0)
	be.MinibatchDiscForward(mbO, mb, mrows, group, kernels, dims)
	be.MinibatchDiscBackward(mbDM, e.buf(e.uniform(mrows*kernels, -1, 1)), mb, mrows, group, kernels, dims)

	res := map[string][]float32{}
	for name, buf := range map[string]model.Buf{
		"y": y, "dx": dx, "dw": dw, "db": db, "bce": bce, "bcedx": bcedx, "meansig": meansig, "sumsq": sumsq,
		"xent": xent, "xentdx": xentdx, "p": p, "m": m, "v": v, "noise": noise,
		"mbd_o": mbO, "mbd_dm": mbDM,
	} {
		res[name] = e.get(buf)
	}
	e.sync()
	return res
}
