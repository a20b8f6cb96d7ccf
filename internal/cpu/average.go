package cpu

import "gan-train/model"

// Average sets avg[i] += (1-d)*(p[i]-avg[i]) in float32, with
// d = model.AverageDecay(decay, t) and t read from the counter tc (see
// model.AveragingOps).
func (be *Backend) Average(avg, p model.Buf, decay float32, tc model.Buf) {
	a, s := f32(avg), f32(p)
	need("Average", "p", s, len(a))
	f := 1 - model.AverageDecay(decay, counter("Average", tc))
	update := be.average
	if update == nil {
		update = averageScalar
	}
	be.parallel(len(a), elementGrain, 1, func(lo, hi int) {
		update(a[lo:hi], s[lo:hi], f)
	})
}

// averageScalar sets a[i] += f * (s[i] - a[i]) for i < len(a). The explicit
// conversion rounds the product, so that no compiler fuses it with the add
// and the assembly loop (averageAVX) stays bit-identical.
func averageScalar(a, s []float32, f float32) {
	s = s[:len(a)]
	for i, v := range s {
		a[i] += float32(f * (v - a[i]))
	}
}
