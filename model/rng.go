package model

import "fmt"

// Dist is the distribution of values drawn by RandomOps.Noise.
type Dist uint8

// Distributions of RandomOps.Noise.
const (
	Uniform01  Dist = iota // Uniform[0,1)
	UniformPM1             // Uniform[-1,1)
	Normal                 // Normal(0,1), Box-Muller
)

var distNames = [...]string{"uniform01", "uniform", "normal"}

func (d Dist) String() string {
	if int(d) < len(distNames) {
		return distNames[d]
	}
	return fmt.Sprintf("Dist(%d)", d)
}

// RandomOps draw counter-based random numbers (Philox4x32-10), the same on
// every backend, so that runs on different backends can be compared step
// by step and a resumed run continues exactly.
type RandomOps interface {
	// Noise fills dst with Philox4x32-10 draws from dist, keyed by seed,
	// for stream and the step read from the counter sc. See package rng for
	// the exact mapping of (seed, stream, step, index) to values.
	Noise(dst Buf, dist Dist, seed uint64, stream uint32, sc Buf)
	// Binarize sets dst[i] = 1 if u_i < src[i] else 0, with u_i the
	// Uniform01 draw that Noise would give for index i: Bernoulli(src[i]).
	Binarize(dst, src Buf, seed uint64, stream uint32, sc Buf)
}
