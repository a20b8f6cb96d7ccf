package eval

import (
	"fmt"
	"math"
)

// ClassifierScore is the classifier score of a set of class-probability
// vectors, exp(E_x KL(p(y|x) || p(y))), where p(y) is the mean of the rows
// (Salimans et al. 2016's Inception score; TF-GAN computes the same quantity
// with an MNIST classifier and calls it mnist_score). It lies in [1, k]:
// 1 when every row is the same distribution, k when the rows are one-hot and
// spread evenly over the k classes.
//
// p is (n, k), row-major; each row must be a probability vector (entries in
// [0, 1] summing to 1 within 1e-6*k). Zero entries contribute nothing
// (0·log 0 = 0).
func ClassifierScore(p []float64, n, k int) (float64, error) {
	if n <= 0 || k <= 0 {
		return 0, fmt.Errorf("classifier score: shape (%d, %d): both must be positive", n, k)
	}
	if len(p) != n*k {
		return 0, fmt.Errorf("classifier score: %d probabilities, want %d*%d = %d", len(p), n, k, n*k)
	}
	marg := make([]float64, k)
	for i := 0; i < n; i++ {
		row := p[i*k : (i+1)*k]
		s := 0.0
		for j, v := range row {
			if !(v >= 0 && v <= 1) { // also rejects NaN
				return 0, fmt.Errorf("classifier score: row %d class %d: probability %v outside [0, 1]", i, j, v)
			}
			s += v
			marg[j] += v
		}
		if math.Abs(s-1) > 1e-6*float64(k) {
			return 0, fmt.Errorf("classifier score: row %d sums to %v, want 1", i, s)
		}
	}
	for j := range marg {
		marg[j] /= float64(n)
	}
	kl := 0.0
	for i := 0; i < n; i++ {
		for j, v := range p[i*k : (i+1)*k] {
			if v > 0 {
				kl += v * (math.Log(v) - math.Log(marg[j]))
			}
		}
	}
	return math.Exp(kl / float64(n)), nil
}

// Softmax writes the row-wise softmax of logits into p, computed stably
// (the row maximum is subtracted before exponentiating).
// logits and p are (n, k); p may alias logits.
func Softmax(p, logits []float64, n, k int) {
	for i := 0; i < n; i++ {
		x, y := logits[i*k:(i+1)*k], p[i*k:(i+1)*k]
		m := math.Inf(-1)
		for _, v := range x {
			m = max(m, v)
		}
		s := 0.0
		for j, v := range x {
			e := math.Exp(v - m)
			y[j] = e
			s += e
		}
		for j := range y {
			y[j] /= s
		}
	}
}
