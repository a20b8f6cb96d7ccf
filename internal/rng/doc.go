// Package rng is the counter-based random number generator that every
// gan-train backend shares: Philox4x32-10 (Salmon, Moraes, Dror and Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
//
// A draw is a pure function of (seed, stream, step, index), so the CPU and
// the CUDA backends produce the same noise and the same binarization, and a
// resumed run continues with exactly the numbers it would have drawn.
//
// The mapping, which the CUDA kernels in kernels/rng.cu reproduce:
//
//	key     = (uint32(seed), uint32(seed>>32))
//	counter = (uint32(index/4), step, stream, 0)
//	x       = Philox4x32-10(counter, key)[index%4]
//	Uniform01:  u = float32(x>>8) * 2^-24                     in [0,1)
//	UniformPM1: 2*u - 1                                       in [-1,1)
//	Normal:     Box-Muller on the lane pairs (0,1) and (2,3) of one block,
//	            u1 = (x_even>>8 + 1) * 2^-24 in (0,1], u2 = (x_odd>>8) * 2^-24,
//	            r = sqrt(-2 ln u1), even lane r*cos(2πu2), odd lane r*sin(2πu2),
//	            computed in float64 and rounded to float32.
package rng
