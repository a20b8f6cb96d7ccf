package train

import (
	"slices"
	"testing"
)

func TestPresetsValidate(t *testing.T) {
	for name, c := range Presets() {
		if c.Preset != name {
			t.Errorf("preset %q calls itself %q", name, c.Preset)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}

// quick is the quality preset's networks and objective, shorter and at a
// higher learning rate: what make run shows is what the default trains.
func TestQuickIsAShortQualityRun(t *testing.T) {
	q, err := Preset("quick")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Preset("quality")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.GHidden, d.GHidden) || !slices.Equal(q.DHidden, d.DHidden) || q.Conditional != d.Conditional ||
		q.GEMA != d.GEMA || q.DDropout != d.DDropout || q.LabelSmoothing != d.LabelSmoothing || q.Batch != d.Batch {
		t.Errorf("quick %+v\nquality %+v\nwant the same networks, batch, averaging, dropout and smoothing", q, d)
	}
	if !(q.Steps < d.Steps/4) || !(q.DAdam.LR > d.DAdam.LR) || q.DAdam.LR != q.GAdam.LR {
		t.Errorf("quick: %d steps at learning rates %v and %v; want under a quarter of quality's %d steps, at one rate above its %v",
			q.Steps, q.DAdam.LR, q.GAdam.LR, d.Steps, d.DAdam.LR)
	}
	if frames := q.Steps / q.SampleEvery; frames < 10 || frames > 40 {
		t.Errorf("quick writes %d grids for progress.gif, want 10 to 40", frames)
	}
}
