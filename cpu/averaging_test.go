package cpu

import (
	"fmt"
	"testing"

	"gan-train/model/backendtest"
)

func TestAveragingConformance(t *testing.T) {
	for _, w := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			backendtest.RunAveraging(t, New(Options{Workers: w}), backendtest.DefaultTolerance())
		})
	}
}
