package fsx

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A write fault lets AfterBytes through, then fails; Times limits it; a
// fault matches on the last two path elements only.
func TestFaultyWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "metrics.jsonl-named-dir", "sub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := NewFaulty(OS{}, Fault{Op: OpWrite, Path: "/data.bin", Err: syscall.ENOSPC, AfterBytes: 3, Times: 1})
	w, err := f.OpenFile(filepath.Join(dir, "data.bin"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.Write([]byte("hello"))
	if n != 3 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write = %d, %v; want 3 bytes and ENOSPC", n, err)
	}
	if n, err := w.Write([]byte("!")); n != 1 || err != nil {
		t.Fatalf("write after the fault's one time: %d, %v", n, err)
	}
	w.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "data.bin")); string(b) != "hel!" {
		t.Errorf("file holds %q, want %q", b, "hel!")
	}
	if f.Fired() != 1 {
		t.Errorf("Fired() = %d, want 1", f.Fired())
	}
	g := NewFaulty(OS{}, Fault{Op: OpCreate, Path: "metrics.jsonl", Err: syscall.EROFS})
	if _, err := g.CreateTemp(dir, "x-*"); err != nil {
		t.Errorf("a fault matched the directory's name two levels up: %v", err)
	}
}
