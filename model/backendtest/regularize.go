package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/internal/rng"
	"gan-train/model"
)

func testMaxout(t *testing.T, be model.Backend) {
	for _, sh := range [][3]int{{1, 1, 1}, {1, 3, 2}, {7, 5, 5}, {33, 240, 5}, {128, 17, 3}} {
		rows, units, pieces := sh[0], sh[1], sh[2]
		name := fmt.Sprintf("Maxout(rows=%d, units=%d, pieces=%d)", rows, units, pieces)
		e := newEnv(t, be, uint64(rows*units*pieces))
		x := e.uniform(rows*units*pieces, -2, 2)
		// Ties on some groups: small integers repeat often.
		for i := 0; i < len(x); i += 3 {
			x[i] = float32(e.rng.IntN(3) - 1)
		}
		dy := e.uniform(rows*units, -1, 1)
		xBuf, dyBuf := e.buf(x), e.buf(dy)
		y, dx := e.filled(rows*units, 7), e.filled(rows*units*pieces, 7)
		be.MaxoutForward(y, xBuf, rows, units, pieces)
		be.MaxoutBackward(dx, dyBuf, xBuf, rows, units, pieces)
		wy := make([]float32, rows*units)
		wdx := make([]float32, rows*units*pieces)
		for i := range wy {
			best := i * pieces
			for p := 1; p < pieces; p++ {
				if x[i*pieces+p] > x[best] {
					best = i*pieces + p
				}
			}
			wy[i] = x[best]
			wdx[best] = dy[i]
		}
		checkExact(t, name+" y", e.get(y), wy)
		checkExact(t, name+" dx", e.get(dx), wdx)
		checkExact(t, name+" x (must not change)", e.get(xBuf), x)
		e.sync()
	}
}

func testDropout(t *testing.T, be model.Backend) {
	for _, n := range []int{1, 5, 129, 4099, 78_400} {
		for _, rate := range []float32{0, 0.2, 0.5} {
			for _, inPlace := range []bool{false, true} {
				name := fmt.Sprintf("Dropout(n=%d, rate=%v, in place=%v)", n, rate, inPlace)
				e := newEnv(t, be, uint64(n))
				const seed, stream, step = 77, 1030, 12
				src := e.uniform(n, -2, 2)
				srcBuf := e.buf(src)
				dst := srcBuf
				if !inPlace {
					dst = e.filled(n, 7)
				}
				be.Dropout(dst, srcBuf, rate, seed, stream, e.counter(step))
				u := make([]float32, n)
				rng.FillUniform01(u, seed, stream, step)
				want := make([]float64, n)
				kept := 0
				for i := range want {
					if u[i] >= rate {
						want[i] = float64(src[i]) / (1 - float64(rate))
						kept++
					}
				}
				check(t, name, e.get(dst), want, Tolerance{Atol: 0, Rtol: 1e-6})
				if n >= 4099 {
					if frac := float64(kept) / float64(n); math.Abs(frac-(1-float64(rate))) > 0.03 {
						t.Errorf("%s: kept %.3f of the values, want about %.3f", name, frac, 1-rate)
					}
				}
				e.sync()
			}
		}
	}
}

// regularisationGroup is the suite's group for model.RegularisationOps.
func regularisationGroup(_ Tolerance) group {
	return group{"Regularisation", []opCheck{
		{"Maxout", []string{"MaxoutForward", "MaxoutBackward"}, testMaxout},
		{"Dropout", []string{"Dropout"}, testDropout},
	}}
}
