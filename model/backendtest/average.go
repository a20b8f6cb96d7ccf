package backendtest

import (
	"fmt"
	"testing"

	"gan-train/model"
)

// refDecay is the ramped decay of model.AveragingOps, in float64.
func refDecay(decay float64, t uint32) float64 {
	return min(decay, (1+float64(t))/(10+float64(t)))
}

func testAverage(t *testing.T, be model.Backend, tol Tolerance) {
	for _, n := range sizes {
		for _, c := range []struct {
			decay float32
			t     uint32
		}{{0, 5}, {0.999, 0}, {0.999, 1}, {0.999, 100}, {0.999, 1 << 20}, {0.5, 3}} {
			name := fmt.Sprintf("Average(n=%d, decay=%g, t=%d)", n, c.decay, c.t)
			e := newEnv(t, be, uint64(n)+uint64(c.t))
			a0, p := e.uniform(n, -3, 3), e.uniform(n, -3, 3)
			avg, pb := e.buf(a0), e.buf(p)
			be.Average(avg, pb, c.decay, e.counter(c.t))
			d := refDecay(float64(c.decay), c.t)
			want := make([]float64, n)
			for i := range want {
				want[i] = float64(a0[i]) + (1-d)*(float64(p[i])-float64(a0[i]))
			}
			check(t, name, e.get(avg), want, tol)
			checkExact(t, name+" p (must not change)", e.get(pb), p)
			e.sync()
		}
	}
}

// testAverageConverges repeats the update as a trainer does, the counter
// rising by one before each: the average of a fixed p then holds
// p + Π_t d_t (start - p).
func testAverageConverges(t *testing.T, be model.Backend, tol Tolerance) {
	const n, m, decay = 129, 200, 0.99
	e := newEnv(t, be, 7)
	a0, p := e.uniform(n, -1, 1), e.uniform(n, -1, 1)
	avg, pb := e.buf(a0), e.buf(p)
	tc := e.counter(0)
	keep := 1.0
	for range m {
		be.IncCounter(tc)
		be.Average(avg, pb, decay, tc)
	}
	for s := uint32(1); s <= m; s++ {
		keep *= refDecay(decay, s)
	}
	want := make([]float64, n)
	for i := range want {
		want[i] = float64(p[i]) + keep*(float64(a0[i])-float64(p[i]))
	}
	// 200 float32 roundings: allow a few hundred ulps of the values' scale.
	check(t, fmt.Sprintf("%d updates with decay %g", m, decay), e.get(avg), want, Tolerance{Atol: 1e-4 + tol.Atol, Rtol: tol.Rtol})
	e.sync()
}

// averagingGroup is the suite's group for model.AveragingOps.
func averagingGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Averaging", []opCheck{
		{"Average", []string{"Average"}, at(testAverage)},
		{"AverageConverges", []string{"Average"}, at(testAverageConverges)},
	}}
}
