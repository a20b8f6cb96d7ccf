package train

import (
	"fmt"
	"testing"

	"gan-train/internal/cpu"
)

// BenchmarkMinibatchStep measures what minibatch discrimination adds to a
// training iteration of the edward preset (batch 128, D hidden 128) on one
// CPU worker: the paper's 100 kernels of 5 dims compare 2 x 128^2/2 pairs
// per kernel in the D step and 128^2/2 in the G step.
func BenchmarkMinibatchStep(b *testing.B) {
	imgs := digits(b, 1024)
	for _, kd := range [][2]int{{0, 0}, {100, 5}} {
		b.Run(fmt.Sprintf("kernels=%d/dims=%d", kd[0], kd[1]), func(b *testing.B) {
			c, _ := Preset("edward")
			c.DMinibatchKernels, c.DMinibatchDims = kd[0], kd[1]
			tr, err := NewTrainer(cpu.New(cpu.Options{Workers: 1}), c, imgs)
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			benchIterations(b, tr)
		})
	}
}
