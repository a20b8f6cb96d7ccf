//go:build cuda || cudaemu

package gpu

import "gan-train/model"

// Average moves avg towards p (kernels/variants.cu, average_f32), t read
// from the counter tc:
//
//	f = 1 - model.AverageDecay(decay, t)     (float32)
//	for i := range avg: avg[i] += f * (p[i] - avg[i])
//
// avg and p are (n).
func (be *Backend) Average(avg, p model.Buf, decay float32, tc model.Buf) {
	const op = "Average"
	a := be.arg(op, "avg", avg, 0, false)
	pd := be.arg(op, "p", p, avg.Len(), true)
	c := counterArg(be, op, "tc", tc)
	if a == nil || pd == nil || c == nil || a.n == 0 {
		return
	}
	be.launchAverageF32(be.elems(a.n), block1D, a.ptr(), pd.ptr(), a.n, decay, c.ptr())
}
