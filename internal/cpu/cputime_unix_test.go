//go:build unix

package cpu

import "syscall"

// processCPU returns the user and system CPU time the process has used, in
// nanoseconds, and true; on a loaded machine it counts only the time this
// process ran, where wall-clock time also counts the time others held the
// core.
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
