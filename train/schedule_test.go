package train

import (
	"context"
	"math"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

func TestLRFactor(t *testing.T) {
	c := tinyConfig(100)
	c.LRDecayFrom = 50
	prev := float32(1)
	for s := int64(1); s <= 100; s++ {
		f := c.LRFactor(s)
		if s <= 50 && f != 1 {
			t.Errorf("step %d: factor %v, want 1 before the decay starts", s, f)
		}
		// the linear schedule it approximates: 1 at step 50, 0 after step 100
		lin := float64(100-s+1) / 50
		if s > 50 && (float64(f) < lin-1e-6 || float64(f) > lin+1.0/LRDecayLevels+1e-6) {
			t.Errorf("step %d: factor %v, want within 1/%d above the linear %v", s, f, LRDecayLevels, lin)
		}
		if q := float64(f) * LRDecayLevels; math.Abs(q-math.Round(q)) > 1e-4 {
			t.Errorf("step %d: factor %v is not a multiple of 1/%d", s, f, LRDecayLevels)
		}
		if f > prev || f <= 0 {
			t.Errorf("step %d: factor %v after %v; want it positive and never rising", s, f, prev)
		}
		prev = f
	}
	if f := c.LRFactor(100); f != 1.0/LRDecayLevels*2 && f != 1.0/LRDecayLevels {
		t.Errorf("last step factor %v, want at most 2/%d", f, LRDecayLevels)
	}
	c.LRDecayFrom = 0
	if f := c.LRFactor(99); f != 1 {
		t.Errorf("without decay: factor %v, want 1", f)
	}
	for _, bad := range []int64{-1, 100, 150} {
		c.LRDecayFrom = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "lr-decay-from") {
			t.Errorf("lr-decay-from %d with 100 steps: error %v, want one naming lr-decay-from", bad, err)
		}
	}
}

// A decaying run matches the constant-rate run up to the step the decay
// starts from and departs from it afterwards; stopped and resumed in the
// decay, it gives the same losses as without the stop.
func TestLRDecayRun(t *testing.T) {
	imgs := digits(t, 700)
	const total, from = 40, 20
	constant := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(total), RunOptions{Dir: constant, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig(total)
	cfg.LRDecayFrom = from
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), cfg, RunOptions{Dir: full, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	c, d := readLog(t, constant), readLog(t, full)
	sameTrajectory(t, d[:from+1], c[:from+1]) // step from+1 runs at factor 1 too (rounded up)
	if d[total-1].GLoss == c[total-1].GLoss && d[total-1].DLoss == c[total-1].DLoss {
		t.Errorf("last step: the decaying run's losses equal the constant-rate run's (%v, %v)", d[total-1].DLoss, d[total-1].GLoss)
	}
	if got, want := d[from-1].LRG, float64(cfg.GAdam.LR); got != want {
		t.Errorf("step %d: logged generator rate %v, want the configured %v", from, got, want)
	}
	if got, want := d[total-1].LRD, float64(cfg.DAdam.LR*cfg.LRFactor(total)); got != want || got >= float64(cfg.DAdam.LR)/5 {
		t.Errorf("last step: logged discriminator rate %v, want %v (a fifth of the configured rate or less)", got, want)
	}
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 29 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{Workers: 3}), cfg, opts); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 2}), cfg, RunOptions{Dir: split, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, split), d)
}

// recordingBackend is the CPU backend with a Capture that records the
// step function and replays it by calling it again, counting recordings:
// it stands in for a backend that records (CUDA graphs), whose recordings
// keep the host values, such as learning rates, they were made with.
type recordingBackend struct {
	*cpu.Backend
	captures int
}

type replayFunc func()

func (r replayFunc) Run() error { r(); return nil }
func (replayFunc) Free()        {}

func (b *recordingBackend) Capture(record func()) (model.Replay, error) {
	b.captures++
	return replayFunc(record), nil
}

// On a recording backend the step is recorded again each time the decayed
// learning rates change, and only then, and the run computes what it
// computes on a backend that does not record.
func TestLRDecayReRecords(t *testing.T) {
	imgs := digits(t, 700)
	cfg := tinyConfig(60)
	cfg.LRDecayFrom = 20
	rec := &recordingBackend{Backend: cpu.New(cpu.Options{})}
	var _ model.Capturer = rec
	a, err := NewTrainer(rec, cfg, imgs)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewTrainer(cpu.New(cpu.Options{}), cfg, imgs)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	distinct := map[float32]bool{}
	for s := int64(1); s <= cfg.Steps; s++ {
		distinct[cfg.LRFactor(s)] = true
		if err := a.Iterate(); err != nil {
			t.Fatal(err)
		}
		if err := b.Iterate(); err != nil {
			t.Fatal(err)
		}
	}
	if rec.captures != len(distinct) {
		t.Errorf("%d recordings for %d distinct learning-rate factors, want one each", rec.captures, len(distinct))
	}
	sa, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if sa.DLoss != sb.DLoss || sa.GLoss != sb.GLoss || sa.LRG != sb.LRG {
		t.Errorf("last step on the recording backend: %+v\nwithout recording: %+v", sa, sb)
	}
}
