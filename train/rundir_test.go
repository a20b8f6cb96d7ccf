package train

import (
	"path/filepath"
	"testing"
)

// The on-disk layout of a run directory: the commands, the run report and
// people's scripts find the files at these paths.
func TestRunDirLayout(t *testing.T) {
	d := RunDir("/r")
	for got, want := range map[string]string{
		d.CheckpointsDir(): "/r/checkpoints",
		d.Checkpoint():     "/r/checkpoints/latest.ckpt",
		d.Config():         "/r/config.yaml",
		d.Metrics():        "/r/metrics.jsonl",
		d.SamplesDir():     "/r/samples",
		d.StepSample(0):    "/r/samples/step-000000.png",
		d.StepSample(1200): "/r/samples/step-001200.png",
		d.StepSample(1e7):  "/r/samples/step-10000000.png",
		d.StepSamples():    "/r/samples/step-*.png",
		d.LatestSample():   "/r/samples/latest.png",
		d.FinalSample():    "/r/samples/final.png",
		d.Losses():         "/r/losses.png",
		d.Progress():       "/r/progress.gif",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if !IsFinalSample(filepath.Base(d.FinalSample())) || IsFinalSample(filepath.Base(d.LatestSample())) {
		t.Error("IsFinalSample does not pick out the final grid alone")
	}
	for name, want := range map[string]int64{"step-000000.png": 0, "step-001200.png": 1200, "step-10000000.png": 1e7} {
		if got, ok := SampleStep(name); !ok || got != want {
			t.Errorf("SampleStep(%q): %d, %v; want %d, true", name, got, ok, want)
		}
	}
	for _, name := range []string{"latest.png", "final.png", "step-.png", "step--1.png", "step-12.gif", "step-x.png"} {
		if _, ok := SampleStep(name); ok {
			t.Errorf("SampleStep(%q) took it for a step grid", name)
		}
	}
}
