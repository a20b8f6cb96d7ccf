package cpu

import (
	"fmt"
	"testing"

	"gan-train/model"
	"gan-train/model/backendtest"
)

var workerCounts = []int{1, 2, 3, 7}

func TestConformance(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			backendtest.Run(t, New(Options{Workers: w}), backendtest.DefaultTolerance)
		})
	}
}

func TestDeterministicAcrossWorkerCounts(t *testing.T) {
	var bes []model.Backend
	for _, w := range workerCounts {
		bes = append(bes, New(Options{Workers: w}))
	}
	backendtest.Determinism(t, bes...)
}
