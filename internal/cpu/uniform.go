package cpu

import "gan-train/internal/rng"

// uniformScalar sets dst[i] = rng.ToUniform01(x) of the raw draw x of index
// 4*j0+i in the Philox stream (seed, stream, step): the draws Noise,
// Binarize and Dropout use, four per Philox block.
func uniformScalar(dst []float32, seed uint64, stream, step uint32, j0 int) {
	for j := 0; 4*j < len(dst); j++ {
		x := rng.Block(seed, stream, step, j0+j)
		for l := 0; l < 4 && 4*j+l < len(dst); l++ {
			dst[4*j+l] = rng.ToUniform01(x[l])
		}
	}
}

// uniformChunk is how many uniform draws Binarize and Dropout make at a
// time, into a buffer on the stack.
const uniformChunk = 256
