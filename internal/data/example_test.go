package data_test

import (
	"context"
	"fmt"

	"gan-train/internal/data"
)

// The trainer's view of an epoch: a seeded order, full batches only, floats
// in [0,1].
func Example() {
	d, err := data.Open(context.Background(), "digits", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	const batch, seed, epoch = 128, 1, 0
	perm := d.Permutation(seed, epoch)
	x := make([]float32, batch*d.Dim()) // (batch, 784)
	for b := range d.StepsPerEpoch(batch) {
		if err := d.BatchFloats(x, perm, b, data.Scale01); err != nil {
			fmt.Println(err)
			return
		}
		// ... one training step on x ...
	}
	fmt.Println(d.Name, d.N, d.H, d.W, d.StepsPerEpoch(batch))
	// Output: digits-train 9000 28 28 70
}
