// Package runlock gives one process at a time the right to write into a run
// directory: an exclusive flock(2) on a lock file inside it, which the
// kernel releases when the holder exits, however it exits. The file holds
// the holder's process ID so that a refused writer can say who holds it.
package runlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileName is the lock file inside a run directory.
const FileName = ".lock"

// ErrHeld marks a refusal because another process holds the lock.
var ErrHeld = errors.New("run directory in use")

// HeldError says which process holds a run directory.
type HeldError struct {
	Dir string
	PID int // 0 when the holder has not written its PID yet
}

func (e *HeldError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("run directory %s is in use by process %d (it holds %s); wait for it to finish or stop it",
			e.Dir, e.PID, filepath.Join(e.Dir, FileName))
	}
	return fmt.Sprintf("run directory %s is in use by another process that is starting up (it holds %s)",
		e.Dir, filepath.Join(e.Dir, FileName))
}

// Unwrap makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a held run-directory lock.
type Lock struct {
	f *os.File
}

// Acquire takes the exclusive lock on dir (which must exist) without
// waiting: when another process holds it, the error is a *HeldError naming
// that process.
func Acquire(dir string) (*Lock, error) {
	p := filepath.Join(dir, FileName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking run directory %s: %w", dir, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking run directory %s: %w", dir, err)
	}
	if held {
		b, _ := os.ReadFile(p)
		f.Close()
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return nil, &HeldError{Dir: dir, PID: pid}
	}
	// The PID is written in place (not renamed over), so the locked inode
	// stays the one other processes open.
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking run directory %s: writing the holder's PID: %w", dir, err)
		}
	} else {
		f.Close()
		return nil, fmt.Errorf("locking run directory %s: %w", dir, err)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up. The lock file stays (removing it would let a
// process that opened it before the removal lock an orphaned inode while a
// third process locks a new file).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	unlock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}
