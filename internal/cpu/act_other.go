//go:build !amd64 || purego

package cpu

// vectorActivations reports false: the assembly loops exist for amd64 only
// (and not under the purego build tag).
func vectorActivations() (activations, bool) { return activations{}, false }

// avx2Activations and avx512Activations report false: see
// vectorActivations.
func avx2Activations() (activations, bool) { return activations{}, false }

func avx512Activations() (activations, bool) { return activations{}, false }
