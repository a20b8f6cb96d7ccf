package cpu

import (
	"math"
	"testing"
)

// expNeg against math.Exp over the range the distances take, and its ends.
func TestExpNeg(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2_000_000; i++ {
		x := float64(i) * 350e-6 // 0 to 700
		want := math.Exp(-x)
		if e := math.Abs(expNeg(x)-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 1e-9 {
		t.Errorf("expNeg: relative error up to %.3g, want below 1e-9", worst)
	}
	if expNeg(0) != 1 || expNeg(701) != 0 || expNeg(math.Inf(1)) != 0 || expNeg(math.NaN()) != 0 {
		t.Errorf("expNeg(0, 701, +Inf, NaN) = %v, %v, %v, %v; want 1, 0, 0, 0", expNeg(0), expNeg(701), expNeg(math.Inf(1)), expNeg(math.NaN()))
	}
}
