package eval

import (
	"fmt"
	"math"
)

// ModeThreshold is the share of the samples a class must hold to count as
// covered (2%).
const ModeThreshold = 0.02

// KLSmoothing is the additive smoothing applied to both class distributions
// before their KL divergence is taken: q_c = (q_c + eps)/(1 + k·eps) with
// eps = 1e-6, so that a class absent from the real data cannot make the
// divergence infinite, while any class distribution that is not vanishingly
// rare is unaffected to about six digits.
const KLSmoothing = 1e-6

// Modes is the mode coverage of a set of class predictions.
type Modes struct {
	// Histogram counts the samples predicted as each class.
	Histogram []int `json:"histogram"`
	// Covered is the number of classes holding at least ModeThreshold of the samples.
	Covered int `json:"modes_covered"`
	// MinFraction is the share held by the rarest class.
	MinFraction float64 `json:"min_class_fraction"`
	// KL is KL(generated class distribution || reference distribution), in
	// nats, after KLSmoothing.
	KL float64 `json:"class_kl"`
}

// ClassHistogram counts labels in [0, k).
func ClassHistogram(labels []int, k int) ([]int, error) {
	if k <= 0 {
		return nil, fmt.Errorf("class histogram: %d classes: must be positive", k)
	}
	h := make([]int, k)
	for i, l := range labels {
		if l < 0 || l >= k {
			return nil, fmt.Errorf("class histogram: label %d of sample %d outside [0, %d)", l, i, k)
		}
		h[l]++
	}
	return h, nil
}

// ModeCoverage computes the class histogram of labels (predicted classes in
// [0, k)), the number of classes at or above ModeThreshold of the samples
// and KL(generated || ref) where ref is a class distribution of length k
// (for example the real data's class frequencies; it is normalised here).
func ModeCoverage(labels []int, k int, ref []float64) (Modes, error) {
	if len(labels) == 0 {
		return Modes{}, fmt.Errorf("mode coverage: no samples")
	}
	if len(ref) != k {
		return Modes{}, fmt.Errorf("mode coverage: reference distribution has %d classes, want %d", len(ref), k)
	}
	h, err := ClassHistogram(labels, k)
	if err != nil {
		return Modes{}, fmt.Errorf("mode coverage: %w", err)
	}
	n := float64(len(labels))
	q := make([]float64, k)
	m := Modes{Histogram: h, MinFraction: 1}
	for c, cnt := range h {
		q[c] = float64(cnt) / n
		if q[c] >= ModeThreshold {
			m.Covered++
		}
		m.MinFraction = min(m.MinFraction, q[c])
	}
	m.KL, err = SmoothedKL(q, ref)
	if err != nil {
		return Modes{}, fmt.Errorf("mode coverage: %w", err)
	}
	return m, nil
}

// SmoothedKL is KL(p || q) in nats between two discrete distributions of
// the same length, each normalised to sum 1 and then smoothed with
// KLSmoothing. Entries must be non-negative with a positive sum.
func SmoothedKL(p, q []float64) (float64, error) {
	if len(p) != len(q) || len(p) == 0 {
		return 0, fmt.Errorf("KL divergence: lengths %d and %d: want equal and positive", len(p), len(q))
	}
	ps, err := smooth(p)
	if err != nil {
		return 0, fmt.Errorf("KL divergence: first distribution: %w", err)
	}
	qs, err := smooth(q)
	if err != nil {
		return 0, fmt.Errorf("KL divergence: second distribution: %w", err)
	}
	kl := 0.0
	for i := range ps {
		kl += ps[i] * math.Log(ps[i]/qs[i])
	}
	return max(kl, 0), nil
}

func smooth(p []float64) ([]float64, error) {
	s := 0.0
	for i, v := range p {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("entry %d is %v, want finite and non-negative", i, v)
		}
		s += v
	}
	if s == 0 {
		return nil, fmt.Errorf("all entries are zero")
	}
	k := float64(len(p))
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = (v/s + KLSmoothing) / (1 + k*KLSmoothing)
	}
	return out, nil
}
