package train

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

func download(t *testing.T, be model.Backend, b model.Buf) []float32 {
	t.Helper()
	v := make([]float32, b.Len())
	if err := be.Download(v, b); err != nil {
		t.Fatal(err)
	}
	return v
}

// The averaged generator follows the moving average of G's weights,
// computed here on the host in float64 from the weights after every step,
// and keeping it leaves training itself untouched.
func TestAverageTracksWeights(t *testing.T) {
	imgs := digits(t, 400)
	const decay, steps = 0.9, 40
	cfg := tinyConfig(steps)
	cfg.GEMA = decay
	be, bePlain := cpu.New(cpu.Options{}), cpu.New(cpu.Options{})
	tr, err := NewTrainer(be, cfg, imgs)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	cfg.GEMA = 0
	plain, err := NewTrainer(bePlain, cfg, imgs)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()

	ref := make([]float64, tr.G.Params.Len())
	for i, v := range download(t, be, tr.G.Params) {
		ref[i] = float64(v)
	}
	a0, p0 := mustFixed(t, tr), mustFixed(t, plain)
	if !slicesEqual(a0, p0) {
		t.Fatal("before any step the averaged generator's samples differ from G's")
	}
	for s := 1; s <= steps; s++ {
		if err := tr.Iterate(); err != nil {
			t.Fatal(err)
		}
		if err := plain.Iterate(); err != nil {
			t.Fatal(err)
		}
		w := download(t, be, tr.G.Params)
		if !slicesEqual(w, download(t, bePlain, plain.G.Params)) {
			t.Fatalf("step %d: G's weights differ from those of the same run without an average", s)
		}
		d := min(decay, (1+float64(s))/(10+float64(s)))
		for i, v := range w {
			ref[i] = d*ref[i] + (1-d)*float64(v)
		}
	}
	got := download(t, be, tr.gAvg.Params)
	worst, at := 0.0, 0
	for i := range got {
		if e := math.Abs(float64(got[i]) - ref[i]); e > worst {
			worst, at = e, i
		}
	}
	if worst > 1e-5 {
		t.Errorf("averaged weight %d is %v, host reference %v (error %.3g, want <= 1e-5)", at, got[at], ref[at], worst)
	}
	// Samples now come from the average, which differs from G.
	if a, p := mustFixed(t, tr), mustFixed(t, plain); slicesEqual(a, p) {
		t.Error("after training the fixed samples equal those of G's last weights: they should come from the average")
	}
}

func mustFixed(t *testing.T, tr *Trainer) []float32 {
	t.Helper()
	s, err := tr.FixedSamples()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A run with an average, stopped and resumed, gives the same losses and
// the same final grid (drawn from the average) as an uninterrupted one;
// its checkpoint samples the average by default and G's last weights on
// request, which are those of the same run without an average.
func TestAverageResumeAndSample(t *testing.T) {
	imgs := digits(t, 700)
	const total = 30
	cfg := tinyConfig(total)
	cfg.GEMA = 0.95
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), cfg, RunOptions{Dir: full, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 11 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{Workers: 3}), cfg, opts); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 2}), cfg, RunOptions{Dir: split, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, split), readLog(t, full))
	a, _ := os.ReadFile(RunDir(full).FinalSample())
	b, _ := os.ReadFile(RunDir(split).FinalSample())
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("final sample grids differ (%d and %d bytes)", len(a), len(b))
	}

	noAvg := cfg
	noAvg.GEMA = 0
	plainDir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), noAvg, RunOptions{Dir: plainDir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	be := cpu.New(cpu.Options{})
	ck, err := model.ReadCheckpointFile(RunDir(full).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	pck, err := model.ReadCheckpointFile(RunDir(plainDir).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if !HasAverage(ck) || HasAverage(pck) {
		t.Fatalf("HasAverage: %v for the run with an average, %v without; want true, false", HasAverage(ck), HasAverage(pck))
	}
	avg, err := SampleCheckpoint(be, ck, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := SampleCheckpointWeights(be, ck, 8, 0, -1, true)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := SampleCheckpoint(be, pck, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slicesEqual(raw, plain) {
		t.Error("raw-weight samples of the averaged run differ from the samples of the same run without an average")
	}
	if slicesEqual(avg, raw) {
		t.Error("samples of the average equal those of the last weights")
	}
}

func TestValidateAverage(t *testing.T) {
	for _, bad := range []float32{-0.1, 1, 1.5} {
		c := tinyConfig(3)
		c.GEMA = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "g-ema") {
			t.Errorf("g-ema %v: Validate error %v, want one naming g-ema", bad, err)
		}
	}
}

// Resuming an averaging run without --g-ema would lose the average: it is
// refused. Turning averaging on at resume is allowed.
func TestResumeKeepsAverage(t *testing.T) {
	imgs := digits(t, 400)
	cfg := tinyConfig(6)
	cfg.GEMA = 0.9
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	off := cfg
	off.GEMA, off.Steps = 0, 8
	err := Run(context.Background(), cpu.New(cpu.Options{}), off, RunOptions{Dir: dir, Images: imgs})
	if err == nil || !strings.Contains(err.Error(), "g-ema") {
		t.Errorf("resuming without --g-ema: error %v, want one naming g-ema", err)
	}
	plain := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(6), RunOptions{Dir: plain, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	on := cfg
	on.Steps = 8
	if err := Run(context.Background(), cpu.New(cpu.Options{}), on, RunOptions{Dir: plain, Images: imgs}); err != nil {
		t.Errorf("turning averaging on at resume: %v", err)
	}
	ck, err := model.ReadCheckpointFile(RunDir(plain).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if ck.Header.Step != 8 || !HasAverage(ck) {
		t.Errorf("after resuming with averaging: step %d, average kept %v; want 8 and true", ck.Header.Step, HasAverage(ck))
	}
}
