package model

// AveragingOps keep an exponential moving average of parameters, the
// generator weight averaging of Yazıcı et al. 2019 ("The Unusual
// Effectiveness of Averaging in GAN Training", ICLR 2019): samples drawn
// from the averaged generator are smoother and score better than those of
// the last iterate, at no cost to training, which never reads the average.
type AveragingOps interface {
	// Average moves the average avg towards the parameters p, with the
	// decay ramped up over the first updates as TensorFlow's
	// ExponentialMovingAverage does when given the update count: with t
	// read from the counter tc,
	//   d = min(decay, (1+t)/(10+t))      (in float64, then rounded to float32)
	//   avg[i] = avg[i] + (1-d)*(p[i] - avg[i])
	// so that early averages are not dominated by the initial weights.
	// avg and p are (n); 0 <= decay < 1.
	Average(avg, p Buf, decay float32, tc Buf)
}

// AverageDecay is the decay Average applies at update count t.
func AverageDecay(decay float32, t uint32) float32 {
	return float32(min(float64(decay), (1+float64(t))/(10+float64(t))))
}
