package train

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gan-train/internal/cpu"
)

// A run whose learning rates are far too high diverges, rolls back to its
// last checkpoint with halved rates as often as it takes, and finishes;
// metrics.jsonl holds every step once, and the checkpoint records the rates
// that worked.
func TestDivergenceRollsBackAndFinishes(t *testing.T) {
	imgs := digits(t, 500)
	dir := t.TempDir()
	// rates that overflow float32 at step 2 from the start (1e9 does on
	// this network; 5e8 does not); checkpoints every 20 steps
	c := tinyConfig(60)
	c.CheckpointEvery = 20
	c.DAdam.LR, c.GAdam.LR = 4e9, 4e9
	type rb struct {
		step, to int64
		lrD      float64
	}
	var got []rb
	hooks := Hooks{Rollback: func(step, to int64, lrD, lrG float64) { got = append(got, rb{step, to, lrD}) }}
	if err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: imgs, Hooks: hooks}); err != nil {
		t.Fatalf("the run did not recover: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("%d rollbacks %v, want 3 (4e9 -> 2e9 -> 1e9 -> 5e8)", len(got), got)
	}
	for i, r := range got {
		if r.to != 0 || r.step != 2 {
			t.Errorf("rollback %d from step %d to %d, want from step 2 to the checkpoint of step 0", i, r.step, r.to)
		}
		if want := 4e9 / float64(int(2)<<i); float32(r.lrD) != float32(want) {
			t.Errorf("rollback %d: D learning rate %g, want %g", i, r.lrD, want)
		}
	}
	log := readLog(t, dir)
	if len(log) != 60 {
		t.Fatalf("metrics.jsonl holds %d lines, want one for each of the 60 steps", len(log))
	}
	for i, s := range log {
		if s.Step != int64(i+1) {
			t.Fatalf("metrics.jsonl line %d is step %d, want %d", i, s.Step, i+1)
		}
	}
	ck, err := ReadCheckpoint(RunDir(dir).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ConfigOf(ck)
	if ck.Header.Step != 60 || cfg.DAdam.LR != 5e8 || cfg.GAdam.LR != 5e8 {
		t.Errorf("final checkpoint at step %d with rates %g, %g; want step 60 at 5e8", ck.Header.Step, cfg.DAdam.LR, cfg.GAdam.LR)
	}
}

// With too few rollbacks allowed, the run ends with an error that says how
// many it tried, and the checkpoint it would have rolled back to stays.
func TestDivergenceGivesUpAfterMaxRollbacks(t *testing.T) {
	c := tinyConfig(60)
	c.DAdam.LR, c.GAdam.LR = 4e9, 4e9
	c.MaxRollbacks = 2
	dir := t.TempDir()
	n := 0
	err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: digits(t, 500),
		Hooks: Hooks{Rollback: func(int64, int64, float64, float64) { n++ }}})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "after 2 rollbacks") || !strings.Contains(err.Error(), "of step 0, is kept") {
		t.Fatalf("error %v, want ErrNonFinite saying it gave up after 2 rollbacks and that the step-0 checkpoint is kept", err)
	}
	if n != 2 {
		t.Errorf("%d rollbacks, want 2", n)
	}
	if _, err := ReadCheckpoint(RunDir(dir).Checkpoint()); err != nil {
		t.Errorf("the checkpoint rolled back to is gone: %v", err)
	}
}
