//go:build !unix

package runlock

import "os"

// Without flock(2) the lock is advisory only in name: every Acquire succeeds.
func tryLock(f *os.File) (bool, error) { return false, nil }

func unlock(f *os.File) {}
