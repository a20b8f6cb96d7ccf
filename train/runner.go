package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"slices"
	"time"

	"gan-train/internal/atomicfile"
	"gan-train/internal/fsx"
	"gan-train/internal/runlock"
	"gan-train/model"
)

// runner is one call of Run: a Trainer in its run directory with the
// metrics log, the hooks and the bookkeeping between steps.
type runner struct {
	cfg   Config
	opts  RunOptions
	dir   RunDir
	fsys  fsx.FS
	log   *slog.Logger
	hooks Hooks

	t       *Trainer
	metrics *metricsLog
	bar     *progress

	// checkEvery is how often the host downloads the losses to check
	// them; a backend that runs ahead asynchronously is checked only when
	// it logs.
	checkEvery int64
	resumed    int64 // the step the run resumed from; 0 for a new run
	lastSaved  int64 // the step of the checkpoint on disk for this run; -1: none
	rollbacks  int

	// Step rates are measured since lastLog; step durations are observed
	// where the host waits for the backend (every step on the CPU, every
	// LogEvery steps on an asynchronous backend), as the mean over the
	// steps since lastSync.
	lastLog, lastSync         time.Time
	lastLogStep, lastSyncStep int64
}

func newRunner(be model.Backend, cfg Config, opts RunOptions) *runner {
	r := &runner{cfg: cfg, opts: opts, dir: RunDir(opts.Dir), fsys: opts.FS, log: opts.Logger,
		hooks: opts.Hooks, checkEvery: cfg.LogEvery, lastSaved: -1}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if r.fsys == nil {
		r.fsys = fsx.OS{}
	}
	if be.Name() == "cpu" {
		r.checkEvery = 1 // a download of a few floats costs nothing on the CPU
	}
	return r
}

// openDir creates the run directory and takes its lock; release drops the
// lock.
func (r *runner) openDir() (release func() error, err error) {
	for _, d := range []string{string(r.dir), r.dir.CheckpointsDir(), r.dir.SamplesDir()} {
		if err := r.fsys.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("run directory: %w", err)
		}
	}
	// One writer at a time: everything below replaces files in the
	// directory, and a second run would delete this one's checkpoint
	// writes and truncate its metrics. The kernel drops the lock when the
	// process dies.
	lock, err := runlock.Acquire(string(r.dir))
	if err != nil {
		return nil, err
	}
	if err := probeWritable(r.fsys, string(r.dir)); err != nil {
		lock.Release()
		return nil, err
	}
	if stale, _ := r.fsys.Glob(r.dir.staleCheckpointWrites()); len(stale) > 0 {
		for _, f := range stale {
			r.fsys.Remove(f)
		}
		r.log.Info("removed unfinished checkpoint writes", "files", len(stale))
	}
	return lock.Release, nil
}

// readCheckpoint reads the checkpoint to resume from: nil for a fresh run
// or when there is none.
func (r *runner) readCheckpoint() (*model.Checkpoint, error) {
	if r.opts.Fresh {
		return nil, nil
	}
	path := r.dir.Checkpoint()
	if _, err := r.fsys.Stat(path); err != nil {
		return nil, nil
	}
	ck, err := readCheckpointFS(r.fsys, path)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			return nil, err // the disk failed, not the checkpoint
		}
		return nil, fmt.Errorf("%w (start over with --fresh)", err)
	}
	return ck, nil
}

// newTrainer builds the Trainer on the run's data.
func (r *runner) newTrainer(be model.Backend) (err error) {
	o := &r.opts
	if o.Pixels != nil {
		if o.Images != nil {
			return errors.New("RunOptions: give Images or Pixels, not both")
		}
		r.t, err = NewPixelTrainer(be, r.cfg, o.Pixels, o.Labels)
	} else {
		r.t, err = NewLabeledTrainer(be, r.cfg, o.Images, o.Labels)
	}
	if err != nil {
		return err
	}
	if sizes := r.t.Cfg.ClusterSizes; len(sizes) > 0 {
		r.log.Info("self-conditioning on k-means clusters of the training images", "clusters", len(sizes),
			"smallest", slices.Min(sizes), "largest", slices.Max(sizes))
	}
	fp := o.DataFingerprint
	if fp == "" {
		fp = FloatDataFingerprint(o.Images, o.Labels)
		if o.Pixels != nil {
			fp = PixelDataFingerprint(o.Pixels, o.Labels)
		}
	}
	r.t.SetDataFingerprint(fp)
	return nil
}

// start clears an old run away (Fresh) or resumes from ck, and writes the
// configuration.
func (r *runner) start(ck *model.Checkpoint) error {
	if r.opts.Fresh {
		if err := r.removeOldRun(); err != nil {
			return fmt.Errorf("starting over: %w", err)
		}
	}
	if ck != nil {
		if err := r.t.Restore(ck); err != nil {
			return fmt.Errorf("resuming from %s: %w", r.dir.Checkpoint(), err)
		}
		r.resumed = r.t.Step()
		r.lastSaved = r.resumed
		r.log.Info("resuming", "checkpoint", r.dir.Checkpoint(), "step", r.resumed)
	}
	return writeConfig(r.fsys, r.dir.Config(), &r.cfg)
}

// removeOldRun deletes the checkpoint and the sample grids of the run the
// directory held. It runs only once the new run is set up: a crash before
// its first checkpoint must not resume the old run.
func (r *runner) removeOldRun() error {
	if err := r.fsys.Remove(r.dir.Checkpoint()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// The old run's grids would join the new run's progress.gif wherever
	// the two sample at different steps.
	old, err := r.fsys.Glob(r.dir.StepSamples())
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := r.fsys.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// finish ends the run with err: it waits for the Finishing hook, writes the
// last records and closes the metrics log. It returns err, or the first
// error of its own when err is nil.
func (r *runner) finish(err error) error {
	if r.hooks.Finishing != nil {
		r.hooks.Finishing()
	}
	r.metrics.drain()
	if ferr := r.metrics.flush(); ferr != nil && err == nil {
		err = ferr
	}
	if cerr := r.metrics.close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// loop trains to the last step, or until ctx is cancelled, and writes the
// final sample grid and checkpoint.
func (r *runner) loop(ctx context.Context) error {
	if r.hooks.Started != nil {
		r.hooks.Started(r.t, r.resumed)
	}
	if r.resumed == 0 {
		if err := r.sample(r.dir.StepSample(0)); err != nil {
			return err
		}
	}
	if r.cfg.rollsBack() && r.lastSaved < 0 {
		// something to roll back to before the first periodic checkpoint
		if err := r.save(); err != nil {
			return err
		}
	}
	r.bar = newProgress(r.opts.Progress, r.cfg.Steps)
	r.resetClocks()
	for r.t.Step() < r.cfg.Steps {
		if ctx.Err() != nil {
			r.bar.done()
			r.log.Info("interrupted: writing a checkpoint", "step", r.t.Step())
			return r.save()
		}
		if err := r.step(); err != nil {
			return err
		}
	}
	r.bar.done()
	if err := r.sample(r.dir.FinalSample()); err != nil {
		return err
	}
	if err := r.save(); err != nil {
		return err
	}
	r.log.Info("finished", "step", r.t.Step(), "dir", string(r.dir))
	return nil
}

// resetClocks starts measuring step rates and durations from now.
func (r *runner) resetClocks() {
	now := time.Now()
	r.lastLog, r.lastLogStep, r.lastSync, r.lastSyncStep = now, r.t.Step(), now, r.t.Step()
}

// step runs one iteration and whatever falls due after it: the check of
// the losses, a log line, an evaluation, a sample grid, a checkpoint.
func (r *runner) step() error {
	if err := r.t.Iterate(); err != nil {
		return err
	}
	step := r.t.Step()
	last := step == r.cfg.Steps
	if step%r.checkEvery == 0 || step%r.cfg.LogEvery == 0 || last {
		if rolledBack, err := r.check(step); err != nil || rolledBack {
			return err
		}
	}
	r.metrics.drain()
	if r.opts.EvalEvery > 0 && r.hooks.Evaluate != nil && (step%r.opts.EvalEvery == 0 || last) {
		if err := r.evaluate(step); err != nil {
			return err
		}
	}
	if step%r.cfg.SampleEvery == 0 && !last {
		if err := r.sample(r.dir.StepSample(step)); err != nil {
			return err
		}
	}
	if step%r.cfg.CheckpointEvery == 0 && !last {
		return r.checkpoint(step)
	}
	return nil
}

// check downloads the statistics of step, rolls back when they are not
// finite (reporting rolledBack) and logs them when a log line is due.
func (r *runner) check(step int64) (rolledBack bool, err error) {
	s, err := r.t.Stats()
	if err != nil {
		return false, err
	}
	now := time.Now()
	if r.hooks.Step != nil && step > r.lastSyncStep {
		r.hooks.Step(now.Sub(r.lastSync) / time.Duration(step-r.lastSyncStep))
	}
	r.lastSync, r.lastSyncStep = now, step
	if ok, n := s.Finite(); !ok {
		r.bar.done()
		if r.hooks.NonFinite != nil {
			r.hooks.NonFinite(n)
		}
		detail := fmt.Sprintf("d_loss %v, g_loss %v, gradient norms %v and %v", s.DLoss, s.GLoss, s.GradNormD, s.GradNormG)
		if err := r.rollback(step, detail); err != nil {
			return false, err
		}
		r.bar = newProgress(r.opts.Progress, r.cfg.Steps)
		return true, nil
	}
	if step%r.cfg.LogEvery == 0 || step == r.cfg.Steps {
		r.logStats(step, s)
	}
	return false, nil
}

// logStats writes the metrics line of step and shows it on the progress
// bar or in the log.
func (r *runner) logStats(step int64, s Stats) {
	now := time.Now()
	s.StepsPerSec = float64(step-r.lastLogStep) / now.Sub(r.lastLog).Seconds()
	s.UnixTime = float64(now.UnixNano()) / 1e9
	r.lastLog, r.lastLogStep = now, step
	line, _ := json.Marshal(s)
	r.metrics.writeLine(line)
	if r.hooks.Log != nil {
		r.hooks.Log(s)
	}
	if r.bar.active() {
		r.bar.update(s)
	} else {
		r.log.Info("step", "step", step, "d_loss", s.DLoss, "g_loss", s.GLoss,
			"d_real", s.DReal, "d_fake", s.DFake, "steps_per_sec", s.StepsPerSec, "epoch", s.Epoch)
	}
}

// evaluate hands fresh samples of step to the Evaluate hook.
func (r *runner) evaluate(step int64) error {
	imgs, err := r.t.Generate(r.opts.EvalSamples, r.cfg.Seed, uint32(step))
	if err != nil {
		return err
	}
	r.hooks.Evaluate(step, imgs)
	return nil
}

// checkpoint writes the periodic checkpoint of step, rolling back when the
// weights are no longer finite.
func (r *runner) checkpoint(step int64) error {
	err := r.save()
	if errors.Is(err, ErrNonFinite) {
		// a backend that checks the losses only every LogEvery steps:
		// the weights went bad in between
		return r.rollback(step, err.Error())
	}
	return err
}

// sample writes the grid of the fixed noise batch to path and to the
// latest grid.
func (r *runner) sample(path string) error {
	img, err := r.t.FixedSamples()
	if err != nil {
		return err
	}
	p, err := GridPNG(img, r.t.GridCols(), 2)
	if err != nil {
		return err
	}
	for _, f := range []string{path, r.dir.LatestSample()} {
		if err := atomicfile.WriteBytesFS(r.fsys, f, 0o644, p); err != nil {
			return fmt.Errorf("writing sample grid: %w", err)
		}
	}
	if r.hooks.Sample != nil {
		r.hooks.Sample(r.t.Step(), p)
	}
	return nil
}

// save writes a checkpoint of the current step, after the metrics lines up
// to it. It refuses (ErrNonFinite) to checkpoint non-finite values.
func (r *runner) save() error {
	if s, err := r.t.Stats(); err != nil {
		return err
	} else if ok, _ := s.Finite(); !ok && r.t.Step() > 0 {
		return fmt.Errorf("not checkpointing step %d: %w", r.t.Step(), ErrNonFinite)
	}
	start := time.Now()
	c, err := r.t.Checkpoint()
	if err != nil {
		return err
	}
	if err := checkFinite(c, r.t.Step()); err != nil {
		return err
	}
	// metrics.jsonl first, synced: a kill after this and before the
	// rename leaves lines past the old checkpoint, which the resume
	// drops; the other order would lose the lines up to this step.
	if err := r.metrics.sync(); err != nil {
		return err
	}
	if err := atomicfile.WriteFS(r.fsys, r.dir.Checkpoint(), 0o644, c.Encode); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	r.lastSaved = r.t.Step()
	d := time.Since(start)
	if r.hooks.Checkpoint != nil {
		r.hooks.Checkpoint(d, time.Now())
	}
	r.log.Debug("checkpoint", "step", r.t.Step(), "seconds", d.Seconds())
	return nil
}

// checkFinite reports, as ErrNonFinite, a value in c that is not a finite
// number.
func checkFinite(c *model.Checkpoint, step int64) error {
	for name, a := range c.Arrays {
		for _, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("not checkpointing step %d: %s holds %v: %w", step, name, v, ErrNonFinite)
			}
		}
	}
	return nil
}

// rollback handles a divergence at step (detail says what was not
// finite): it restores the last checkpoint and halves both learning rates,
// or, when it may not, returns the error that ends the run.
func (r *runner) rollback(step int64, detail string) error {
	if !r.cfg.rollsBack() || r.lastSaved < 0 || r.rollbacks >= r.cfg.MaxRollbacks {
		return r.divergedError(step, detail)
	}
	path := r.dir.Checkpoint()
	ck, err := readCheckpointFS(r.fsys, path)
	if err == nil {
		err = r.t.Restore(ck)
	}
	if err != nil {
		return fmt.Errorf("step %d: %w (%s); rolling back to %s failed: %w", step, ErrNonFinite, detail, path, err)
	}
	r.t.ScaleLearningRates(0.5)
	r.rollbacks++
	// the lines past the checkpoint describe steps that are undone
	if err := r.metrics.truncate(r.t.Step()); err != nil {
		return err
	}
	lrD, lrG := r.t.Cfg.DAdam.LR, r.t.Cfg.GAdam.LR
	r.log.Warn("diverged: rolled back to the last checkpoint with halved learning rates",
		"step", step, "to_step", r.t.Step(), "rollback", r.rollbacks, "max_rollbacks", r.cfg.MaxRollbacks,
		"d_lr", lrD, "g_lr", lrG, "what", detail)
	if r.hooks.Rollback != nil {
		r.hooks.Rollback(step, r.t.Step(), float64(lrD), float64(lrG))
	}
	r.resetClocks()
	return nil
}

// divergedError is the error that ends a run diverging at step: what was
// not finite, the rollbacks that did not help, the checkpoint kept.
func (r *runner) divergedError(step int64, detail string) error {
	kept := fmt.Sprintf("no checkpoint was written before it (the first was due at step %d)", min(r.cfg.CheckpointEvery, r.cfg.Steps))
	if r.lastSaved >= 0 {
		kept = fmt.Sprintf("the last good checkpoint, of step %d, is kept in %s", r.lastSaved, r.dir.Checkpoint())
	}
	gaveUp := ""
	if r.cfg.rollsBack() && r.rollbacks > 0 {
		gaveUp = fmt.Sprintf("; still diverging after %d rollbacks that halved the learning rates each time (now D %g, G %g)",
			r.rollbacks, r.t.Cfg.DAdam.LR, r.t.Cfg.GAdam.LR)
	}
	return fmt.Errorf("step %d: %w (%s)%s; %s", step, ErrNonFinite, detail, gaveUp, kept)
}
