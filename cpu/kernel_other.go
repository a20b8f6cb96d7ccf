//go:build !amd64 || purego

package cpu

// avx2Kernel reports false: the assembly micro-kernel exists for amd64 only
// (and not under the purego build tag).
func avx2Kernel() (microKernel, bool) { return microKernel{}, false }
