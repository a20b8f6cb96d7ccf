package app

import (
	"image/gif"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The run report and the summary find the files where the trainer wrote
// them: progress.gif holds every step grid and the final one, and each path
// the summary prints exists.
func TestRunReportReadsTheTrainersFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runMain(t, "train", "--preset", "tiny", "--steps", "6", "--sample-every", "2",
		"--out", dir, "--listen", "", "--device", "cpu", "--log-format", "text")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	grids, err := filepath.Glob(filepath.Join(dir, "samples", "step-*.png"))
	if err != nil || len(grids) != 3 {
		t.Fatalf("step grids %v (%v); want 3 (steps 0, 2 and 4)", grids, err)
	}
	f, err := os.Open(filepath.Join(dir, "progress.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(g.Image), len(grids)+1; got != want {
		t.Errorf("progress.gif has %d frames, want %d: the step grids and samples/final.png", got, want)
	}
	for _, what := range []string{"final samples", "progress", "loss curves"} {
		m := regexp.MustCompile(`(?m)^  ` + what + ` +(\S+)`).FindStringSubmatch(stdout)
		if m == nil {
			t.Errorf("summary names no %s:\n%s", what, stdout)
			continue
		}
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("summary's %s: %v", what, err)
		}
	}
}
