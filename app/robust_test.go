package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gan-train/internal/runlock"
)

// A second writer on a run directory exits 1 with a message naming the
// holder's PID, for train and lapgan train alike.
func TestLockedRunDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := runlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	want := fmt.Sprintf("in use by process %d", os.Getpid())
	for _, args := range [][]string{
		{"train", "--preset", "tiny", "--steps", "2", "--out", dir, "--listen", "", "--device", "cpu"},
		{"lapgan", "train", "--steps", "1", "--out", dir, "--device", "cpu"},
	} {
		code, _, stderr := runMain(t, args...)
		if code != ExitFailure || !strings.Contains(stderr, want) {
			t.Errorf("%s on a locked directory: exit %d, stderr %q; want exit 1 naming the holder (%q)", args[0], code, stderr, want)
		}
	}
}
