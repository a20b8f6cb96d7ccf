package cpu

import (
	"fmt"
	"testing"

	"gan-train/model"
	"gan-train/model/backendtest"
)

var workerCounts = []int{1, 2, 3, 7}

func TestConformance(t *testing.T) {
	for _, g := range gemms {
		for _, w := range workerCounts {
			t.Run(fmt.Sprintf("%s/workers=%d", g.name, w), func(t *testing.T) {
				backendtest.Run(t, New(Options{Workers: w, GEMM: g.gemm}), backendtest.DefaultTolerance())
			})
		}
	}
}

var gemms = []struct {
	name string
	gemm GEMM
}{{"gonum", GonumGEMM}, {"tiled", TiledGEMM}, {"avx2", AVX2GEMM}}

func TestDeterministicAcrossWorkerCounts(t *testing.T) {
	for _, g := range gemms {
		t.Run(g.name, func(t *testing.T) {
			var bes []model.Backend
			for _, w := range workerCounts {
				bes = append(bes, New(Options{Workers: w, GEMM: g.gemm}))
			}
			backendtest.Determinism(t, bes...)
		})
	}
}
