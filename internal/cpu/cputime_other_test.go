//go:build !unix

package cpu

// processCPU reports false: CPU time is read on unix systems only.
func processCPU() (int64, bool) { return 0, false }
