package train

import (
	"fmt"
	"testing"

	"gan-train/internal/cpu"
)

// BenchmarkQualityStep measures one training iteration of the default
// quality preset (conditional, G 256-512, D 512-256 with dropout, weight
// averaging, batch 64) for each CPU matrix product and worker count, and
// with the AVX2 products also with minibatch discrimination (32 kernels of
// 4 dims), so that one run gives the ratios between them on the same
// machine.
func BenchmarkQualityStep(b *testing.B) {
	imgs, labels := labeled(b, 1024)
	for _, g := range []cpu.GEMM{cpu.GonumGEMM, cpu.AVX2GEMM} {
		for _, w := range []int{1, 2} {
			for _, mbd := range []int{0, 32} {
				if mbd > 0 && g != cpu.AVX2GEMM {
					continue
				}
				name := fmt.Sprintf("%v/workers=%d", g, w)
				if mbd > 0 {
					// the preset with minibatch discrimination, 32 kernels
					// of 4 dims (bench/RESULTS.md, third round)
					name += fmt.Sprintf("/minibatch=%dx4", mbd)
				}
				benchQualityStep(b, name, cpu.New(cpu.Options{Workers: w, GEMM: g}), mbd, imgs, labels)
			}
		}
	}
}

func benchQualityStep(b *testing.B, name string, be *cpu.Backend, mbd int, imgs []float32, labels []uint8) {
	b.Run(name, func(b *testing.B) {
		c, err := Preset("quality")
		if err != nil {
			b.Fatal(err)
		}
		if mbd > 0 {
			c.DMinibatchKernels, c.DMinibatchDims = mbd, 4
		}
		tr, err := NewLabeledTrainer(be, c, imgs, labels)
		if err != nil {
			b.Fatal(err)
		}
		defer tr.Close()
		benchIterations(b, tr)
	})
}

// benchIterations times b.N training iterations of tr and reports steps/s;
// Stats waits for the backend, so queued work is inside the timing.
func benchIterations(b *testing.B, tr *Trainer) {
	b.Helper()
	b.ResetTimer()
	for range b.N {
		if err := tr.Iterate(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := tr.Stats(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
