package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gan-train/data"
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

// Resuming with other data under the same path is refused; the same data
// under another spelling of the path resumes.
func TestResumeChecksDataByContent(t *testing.T) {
	tmp := t.TempDir()
	imgs := filepath.Join(tmp, "d", "x-images-idx3-ubyte")
	if err := os.MkdirAll(filepath.Dir(imgs), 0o755); err != nil {
		t.Fatal(err)
	}
	save := func(v byte) {
		pix := make([]byte, 100*784)
		for i := range pix {
			pix[i] = byte(i) ^ v
		}
		d, err := data.New("x", 100, 28, 28, pix, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Save(imgs, ""); err != nil {
			t.Fatal(err)
		}
	}
	save(0)
	dir := filepath.Join(tmp, "run")
	tr := func(spec string, steps string) (int, string) {
		code, _, stderr := runMain(t, "train", "--preset", "tiny", "--conditional=false", "--steps", steps, "--data", spec, "--out", dir, "--listen", "", "--device", "cpu")
		return code, stderr
	}
	if code, stderr := tr(imgs, "2"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	if code, stderr := tr(filepath.Join(tmp, "d", ".", "..", "d", "x-images-idx3-ubyte"), "4"); code != 0 || !strings.Contains(stderr, "resuming") {
		t.Fatalf("resume with the same data under another path: exit %d: %s", code, stderr)
	}
	save(1)
	code, stderr := tr(imgs, "6")
	if code != ExitFailure || !strings.Contains(stderr, "SHA-256") || !strings.Contains(stderr, "--fresh") {
		t.Fatalf("resume with other data under the same path: exit %d: %s; want exit 1 naming the fingerprints", code, stderr)
	}
}
