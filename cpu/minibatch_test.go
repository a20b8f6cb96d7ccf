package cpu

import (
	"fmt"
	"testing"

	"gan-train/model/backendtest"
)

func TestMinibatchConformance(t *testing.T) {
	for _, w := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			backendtest.RunMinibatch(t, New(Options{Workers: w}), backendtest.DefaultTolerance())
		})
	}
}

func TestMinibatchDeterministicAcrossWorkerCounts(t *testing.T) {
	var bes []backendtest.MinibatchBackend
	for _, w := range workerCounts {
		bes = append(bes, New(Options{Workers: w}))
	}
	backendtest.MinibatchDeterminism(t, bes...)
}
