//go:build !amd64 || purego

package cpu

// avx2Kernel reports false: the assembly micro-kernel exists for amd64 only
// (and not under the purego build tag).
func avx2Kernel() (microKernel, bool) { return microKernel{}, false }

// adamKernel reports false: see avx2Kernel.
func adamKernel() (func(p, g, m, v []float32, k *adamConsts), bool) { return nil, false }
