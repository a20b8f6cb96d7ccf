package cpu

import "gan-train/model"

// Average sets avg[i] += (1-d)*(p[i]-avg[i]) in float32, with
// d = model.AverageDecay(decay, t) and t read from the counter tc (see
// model.AveragingOps).
func (be *Backend) Average(avg, p model.Buf, decay float32, tc model.Buf) {
	a, s := f32(avg), f32(p)
	need("Average", "p", s, len(a))
	f := 1 - model.AverageDecay(decay, counter("Average", tc))
	be.parallel(len(a), elementGrain, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			a[i] += f * (s[i] - a[i])
		}
	})
}
