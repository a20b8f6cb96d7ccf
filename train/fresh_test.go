package train

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gan-train/internal/cpu"
)

// --fresh clears the old run's sample grids: a new run that samples at
// other steps must not show them in its progress.gif.
func TestFreshRemovesTheOldGrids(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	grids := func() []string {
		names, err := filepath.Glob(filepath.Join(dir, "samples", "step-*.png"))
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			names[i] = filepath.Base(n)
		}
		return names
	}
	run := func(sampleEvery int64, fresh bool) {
		c := tinyConfig(6)
		c.SampleEvery = sampleEvery
		if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), c, RunOptions{Dir: dir, Images: imgs, Fresh: fresh}); err != nil {
			t.Fatal(err)
		}
	}
	run(2, false)
	if got, want := grids(), []string{"step-000000.png", "step-000002.png", "step-000004.png"}; !slices.Equal(got, want) {
		t.Fatalf("first run's grids %v, want %v", got, want)
	}
	run(3, true)
	if got, want := grids(), []string{"step-000000.png", "step-000003.png"}; !slices.Equal(got, want) {
		t.Errorf("grids after --fresh %v, want only the new run's %v", got, want)
	}
	if _, err := os.Stat(RunDir(dir).FinalSample()); err != nil {
		t.Errorf("final grid: %v", err)
	}
}
