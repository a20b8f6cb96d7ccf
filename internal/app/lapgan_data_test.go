package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gan-train/internal/data"
	"gan-train/internal/lapgan"
)

// TestLapganResumeChecksData: lapgan train into a run trained on other
// data is refused, naming both fingerprints and --fresh; --fresh starts
// over on the new data.
func TestLapganResumeChecksData(t *testing.T) {
	tmp := t.TempDir()
	imgs := filepath.Join(tmp, "x-images-idx3-ubyte")
	pix := make([]byte, 100*784)
	for i := range pix {
		pix[i] = byte(i)
	}
	d, err := data.New("x", 100, 28, 28, pix, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Save(imgs, ""); err != nil {
		t.Fatal(err)
	}
	digits, err := data.Open(t.Context(), "digits", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "lap")
	lap := func(spec string, extra ...string) (int, string) {
		code, _, stderr := runMain(t, append([]string{"lapgan", "train", "--steps", "2", "--data", spec, "--out", dir, "--device", "cpu"}, extra...)...)
		return code, stderr
	}
	if code, stderr := lap("digits"); code != 0 {
		t.Fatalf("lapgan train: exit %d: %s", code, stderr)
	}
	code, stderr := lap(imgs)
	if code == 0 {
		t.Fatal("lapgan train on other data into the run: exit 0")
	}
	for _, want := range []string{digits.Fingerprint(), d.Fingerprint(), "--fresh"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("lapgan train on other data: stderr does not name %s:\n%s", want, stderr)
		}
	}
	// --fresh replaces the checkpoint only once a level is written: a
	// run stopped before then (a context cancelled from the start, as
	// SIGINT does) keeps it.
	ckPath := filepath.Join(dir, lapgan.CheckpointName)
	before, err := os.ReadFile(ckPath)
	if err != nil {
		t.Fatal(err)
	}
	stopped, cancel := context.WithCancel(t.Context())
	cancel()
	if code, stderr, _ := runMainCtx(stopped, "lapgan", "train", "--steps", "2", "--data", imgs, "--out", dir, "--device", "cpu", "--fresh"); code != 0 {
		t.Fatalf("lapgan train --fresh stopped at once: exit %d: %s", code, stderr)
	}
	if after, err := os.ReadFile(ckPath); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("a failed lapgan train --fresh changed or removed %s (%v)", ckPath, err)
	}
	if code, stderr := lap(imgs, "--fresh"); code != 0 {
		t.Errorf("lapgan train --fresh on other data: exit %d: %s", code, stderr)
	}
	if after, err := os.ReadFile(ckPath); err != nil || bytes.Equal(after, before) {
		t.Errorf("lapgan train --fresh did not replace %s (%v)", ckPath, err)
	}
}
