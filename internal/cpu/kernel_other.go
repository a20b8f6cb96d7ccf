//go:build !amd64 || purego

package cpu

// avx2Kernel reports false: the assembly micro-kernel exists for amd64 only
// (and not under the purego build tag).
func avx2Kernel() (microKernel, bool) { return microKernel{}, false }

// adamKernel reports false: see avx2Kernel.
func adamKernel() (func(p, g, m, v []float32, k *adamConsts), bool) { return nil, false }

// uniformKernel reports false: see avx2Kernel.
func uniformKernel() (func(dst []float32, seed uint64, stream, step uint32, j0 int), bool) {
	return nil, false
}

// averageKernel reports false: see avx2Kernel.
func averageKernel() (func(a, s []float32, f float32), bool) { return nil, false }

// sumSquaresKernel reports false: see avx2Kernel.
func sumSquaresKernel() (func(x []float32, s *[8]float64), bool) { return nil, false }
