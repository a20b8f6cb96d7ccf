//go:build !purego

package cpu

import (
	"fmt"

	"golang.org/x/sys/cpu"

	"gan-train/model"
)

// The AVX2 loops in act_amd64.s. Each handles the first len &^ 7 elements
// of its slices and reads and writes them without checking: the Go
// functions below pass slices of equal, checked lengths.
//
//go:noescape
func sigmoidAVX2(s []float32)

//go:noescape
func tanhAVX2(s []float32)

//go:noescape
func reluAVX2(s []float32)

// sigmoidAVX512 and tanhAVX512 are the AVX-512 loops of act_amd64.s: as
// above, on the first len &^ 15 elements.
//
//go:noescape
func sigmoidAVX512(s []float32)

//go:noescape
func tanhAVX512(s []float32)

//go:noescape
func leakyAVX2(s []float32, slope float32)

//go:noescape
func dReluAVX2(dz, dy, y []float32)

//go:noescape
func dLeakyAVX2(dz, dy, y []float32, slope float32)

//go:noescape
func dSigmoidAVX2(dz, dy, y []float32)

//go:noescape
func dTanhAVX2(dz, dy, y []float32)

// vectorActivations returns the AVX2 loops, and false where the CPU or the
// operating system lacks AVX2 or FMA (the condition of avx2Kernel, so that
// one check describes the machine).
// Where the CPU and the operating system also have AVX-512 (AVX512F), the
// sigmoid and tanh loops run sixteen lanes wide (activateAVX512).
func vectorActivations() (activations, bool) {
	a, ok := avx2Activations()
	if ok && cpu.X86.HasAVX512F {
		a.fwd = activateAVX512
	}
	return a, ok
}

// avx2Activations returns the AVX2 loops alone, and false where the CPU or
// the operating system lacks AVX2 or FMA.
func avx2Activations() (activations, bool) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return activations{}, false
	}
	return activations{fwd: activateAVX2, bwd: derivAVX2}, true
}

// avx512Activations returns the loops vectorActivations picks where the
// CPU has AVX-512, and false where it has not (for the tests).
func avx512Activations() (activations, bool) {
	a, ok := avx2Activations()
	if !ok || !cpu.X86.HasAVX512F {
		return activations{}, false
	}
	a.fwd = activateAVX512
	return a, true
}

// activateAVX512 is activateAVX2 with the AVX-512 loops of sigmoid and
// tanh for the first len &^ 15 elements.
func activateAVX512(act model.Activation, s []float32) {
	n := len(s) &^ 15
	switch act {
	case model.Sigmoid:
		sigmoidAVX512(s[:n])
	case model.Tanh:
		tanhAVX512(s[:n])
	default:
		n = 0
	}
	activateAVX2(act, s[n:])
}

// activateAVX2 is activateScalar with the AVX2 loops.
func activateAVX2(act model.Activation, s []float32) {
	n := len(s) &^ 7
	v := s[:n]
	switch act {
	case model.Identity:
		return
	case model.ReLU:
		reluAVX2(v)
	case model.LeakyReLU:
		leakyAVX2(v, model.LeakySlope)
	case model.Sigmoid:
		sigmoidAVX2(v)
	case model.Tanh:
		tanhAVX2(v)
	default:
		panic(fmt.Sprintf("cpu: unknown activation %v", act))
	}
	activateScalar(act, s[n:])
}

// derivAVX2 is derivScalar with the AVX2 loops.
func derivAVX2(act model.Activation, dz, dy, y []float32) {
	n := len(dz) &^ 7
	vz, vdy, vy := dz[:n], dy[:n], y[:n]
	switch act {
	case model.Identity:
		copy(dz, dy[:len(dz)])
		return
	case model.ReLU:
		dReluAVX2(vz, vdy, vy)
	case model.LeakyReLU:
		dLeakyAVX2(vz, vdy, vy, model.LeakySlope)
	case model.Sigmoid:
		dSigmoidAVX2(vz, vdy, vy)
	case model.Tanh:
		dTanhAVX2(vz, vdy, vy)
	default:
		panic(fmt.Sprintf("cpu: unknown activation %v", act))
	}
	derivScalar(act, dz[n:], dy[n:len(dz)], y[n:len(dz)])
}
