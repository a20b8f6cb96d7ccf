//go:build !amd64 || purego

package cpu

// vectorActivations reports false: the assembly loops exist for amd64 only
// (and not under the purego build tag).
func vectorActivations() (activations, bool) { return activations{}, false }
