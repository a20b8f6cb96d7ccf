package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"gan-train/internal/atomicfile"
	"gan-train/internal/fsx"
	"gan-train/internal/runlock"
	"gan-train/model"
)

// Hooks let the caller observe a run (metrics, HTTP). Any may be nil.
type Hooks struct {
	Started    func(t *Trainer, resumedFrom int64)
	Log        func(s Stats)
	Step       func(d time.Duration)
	Checkpoint func(d time.Duration, at time.Time)
	Sample     func(step int64, png []byte)
	NonFinite  func(n int)
	// Rollback is called after a divergence at step rolled the run back
	// to the checkpoint of step to, with both learning rates halved.
	Rollback func(step, to int64, lrD, lrG float64)
	// Evaluate receives opts.EvalSamples fresh samples (n, ImageSize) in
	// [0,1] every opts.EvalEvery steps; it must not block (hand the work
	// to another goroutine and report back through opts.Records).
	Evaluate func(step int64, samples []float32)
	// Finishing is called once training has stopped, before the last
	// records are drained: wait here for work that will send records.
	Finishing func()
}

// Record is an extra line for metrics.jsonl, such as an evaluation result
// computed off the training goroutine.
type Record struct {
	Step   int64
	Fields map[string]any // written beside "step"
}

// RunOptions say where and how a run happens.
type RunOptions struct {
	Dir    string    // run directory
	Fresh  bool      // ignore an existing checkpoint and start over
	Images []float32 // training images (n, ImageSize) in [0,1]
	// Pixels, instead of Images: 8-bit training images (n, ImageSize),
	// byte v meaning v/255, uploaded without a float32 copy on the host.
	Pixels   []uint8
	Labels   []uint8 // class of each image (n), for a conditional GAN; may be nil otherwise
	Logger   *slog.Logger
	Progress io.Writer // a terminal for the progress bar, or nil
	Hooks    Hooks
	// FS is the file system the run directory is written through; nil
	// means the operating system's (tests inject faults through it). The
	// run-directory lock is always taken on the real directory.
	FS fsx.FS
	// DataFingerprint identifies Images and Labels by content
	// (data.Dataset.Fingerprint); when empty, Run computes
	// FloatDataFingerprint. Checkpoints store it and a resume checks it.
	DataFingerprint string

	EvalEvery   int64         // steps between Hooks.Evaluate calls; 0 disables
	EvalSamples int           // samples per evaluation
	Records     <-chan Record // lines to add to metrics.jsonl as they arrive
}

// Paths inside a run directory.
const (
	CheckpointFile = "checkpoints/latest.ckpt"
	ConfigFile     = "config.yaml"
	MetricsFile    = "metrics.jsonl"
	LatestSample   = "samples/latest.png"
	FinalSample    = "samples/final.png"
)

// ErrNonFinite marks a run stopped because a loss or gradient stopped being
// a finite number.
var ErrNonFinite = errors.New("non-finite loss or gradient")

// Run trains cfg on be in opts.Dir, resuming from the run's checkpoint
// unless opts.Fresh. It returns nil when the last step is reached or when
// ctx is cancelled (after writing a checkpoint).
func Run(ctx context.Context, be model.Backend, cfg Config, opts RunOptions) (err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	fsys := opts.FS
	if fsys == nil {
		fsys = fsx.OS{}
	}
	for _, d := range []string{opts.Dir, filepath.Join(opts.Dir, "checkpoints"), filepath.Join(opts.Dir, "samples")} {
		if err := fsys.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("run directory: %w", err)
		}
	}
	// One writer at a time: everything below replaces files in the
	// directory, and a second run would delete this one's checkpoint
	// writes and truncate its metrics. The kernel drops the lock when the
	// process dies.
	lock, err := runlock.Acquire(opts.Dir)
	if err != nil {
		return err
	}
	defer lock.Release()
	if err := probeWritable(fsys, opts.Dir); err != nil {
		return err
	}
	// temporary files of checkpoint writes a crash interrupted
	if stale, _ := fsys.Glob(filepath.Join(opts.Dir, "checkpoints", ".*.tmp-*")); len(stale) > 0 {
		for _, f := range stale {
			fsys.Remove(f)
		}
		log.Info("removed unfinished checkpoint writes", "files", len(stale))
	}
	ckPath := filepath.Join(opts.Dir, CheckpointFile)
	var ck *model.Checkpoint
	if !opts.Fresh {
		if _, serr := fsys.Stat(ckPath); serr == nil {
			if ck, err = readCheckpointFS(fsys, ckPath); err != nil {
				if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
					return err // the disk failed, not the checkpoint
				}
				return fmt.Errorf("%w (start over with --fresh)", err)
			}
		}
	}
	var t *Trainer
	if opts.Pixels != nil {
		if opts.Images != nil {
			return errors.New("RunOptions: give Images or Pixels, not both")
		}
		t, err = NewPixelTrainer(be, cfg, opts.Pixels, opts.Labels)
	} else {
		t, err = NewLabeledTrainer(be, cfg, opts.Images, opts.Labels)
	}
	if err != nil {
		return err
	}
	defer t.Close()
	fp := opts.DataFingerprint
	if fp == "" {
		fp = FloatDataFingerprint(opts.Images, opts.Labels)
		if opts.Pixels != nil {
			fp = PixelDataFingerprint(opts.Pixels, opts.Labels)
		}
	}
	t.SetDataFingerprint(fp)
	if opts.Fresh {
		// Only now that the new run is set up: a crash before its first
		// checkpoint must not resume the old run.
		if err := fsys.Remove(ckPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("starting over: %w", err)
		}
		// The old run's grids would join the new run's progress.gif
		// wherever the two sample at different steps.
		old, err := fsys.Glob(filepath.Join(opts.Dir, "samples", "step-*.png"))
		if err != nil {
			return fmt.Errorf("starting over: %w", err)
		}
		for _, f := range old {
			if err := fsys.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("starting over: %w", err)
			}
		}
	}
	var resumed int64
	lastSaved := int64(-1) // the step of the checkpoint on disk for this run; -1: none
	if ck != nil {
		if err := t.Restore(ck); err != nil {
			return fmt.Errorf("resuming from %s: %w", ckPath, err)
		}
		resumed = t.Step()
		lastSaved = resumed
		log.Info("resuming", "checkpoint", ckPath, "step", resumed)
	}
	if err := writeConfig(fsys, filepath.Join(opts.Dir, ConfigFile), &cfg); err != nil {
		return err
	}
	mf, err := openMetricsLog(fsys, filepath.Join(opts.Dir, MetricsFile), resumed)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := mf.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing %s: %w", MetricsFile, cerr)
		}
	}()
	mw := bufio.NewWriter(mf)
	writeRecord := func(r Record) {
		fields := map[string]any{"step": r.Step}
		for k, v := range r.Fields {
			fields[k] = v
		}
		if line, err := json.Marshal(fields); err == nil {
			mw.Write(append(line, '\n'))
		} else {
			log.Warn("dropping a metrics record", "step", r.Step, "err", err)
		}
	}
	drain := func() {
		for opts.Records != nil {
			select {
			case r := <-opts.Records:
				writeRecord(r)
			default:
				return
			}
		}
	}
	defer func() {
		if opts.Hooks.Finishing != nil {
			opts.Hooks.Finishing()
		}
		drain()
		if ferr := mw.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("writing %s: %w", MetricsFile, ferr)
		}
	}()
	if opts.Hooks.Started != nil {
		opts.Hooks.Started(t, resumed)
	}

	checkEvery := cfg.LogEvery
	if be.Name() == "cpu" {
		checkEvery = 1 // a download of a few floats costs nothing on the CPU
	}
	save := func() error {
		if s, err := t.Stats(); err != nil {
			return err
		} else if ok, _ := s.Finite(); !ok && t.Step() > 0 {
			return fmt.Errorf("not checkpointing step %d: %w", t.Step(), ErrNonFinite)
		}
		start := time.Now()
		c, err := t.Checkpoint()
		if err != nil {
			return err
		}
		for name, a := range c.Arrays {
			for _, v := range a {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return fmt.Errorf("not checkpointing step %d: %s holds %v: %w", t.Step(), name, v, ErrNonFinite)
				}
			}
		}
		// metrics.jsonl first, synced: a kill after this and before the
		// rename leaves lines past the old checkpoint, which the resume
		// drops; the other order would lose the lines up to this step.
		drain()
		if err := mw.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", MetricsFile, err)
		}
		if err := mf.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", MetricsFile, err)
		}
		if err := atomicfile.WriteFS(fsys, ckPath, 0o644, c.Encode); err != nil {
			return fmt.Errorf("writing checkpoint: %w", err)
		}
		lastSaved = t.Step()
		d := time.Since(start)
		if opts.Hooks.Checkpoint != nil {
			opts.Hooks.Checkpoint(d, time.Now())
		}
		log.Debug("checkpoint", "step", t.Step(), "seconds", d.Seconds())
		return nil
	}
	sample := func(name string) error {
		img, err := t.FixedSamples()
		if err != nil {
			return err
		}
		p, err := GridPNG(img, t.GridCols(), 2)
		if err != nil {
			return err
		}
		for _, f := range []string{name, LatestSample} {
			if err := atomicfile.WriteBytesFS(fsys, filepath.Join(opts.Dir, f), 0o644, p); err != nil {
				return fmt.Errorf("writing sample grid: %w", err)
			}
		}
		if opts.Hooks.Sample != nil {
			opts.Hooks.Sample(t.Step(), p)
		}
		return nil
	}
	if resumed == 0 {
		if err := sample(fmt.Sprintf("samples/step-%06d.png", 0)); err != nil {
			return err
		}
	}
	if cfg.rollsBack() && lastSaved < 0 {
		// something to roll back to before the first periodic checkpoint
		if err := save(); err != nil {
			return err
		}
	}

	bar := newProgress(opts.Progress, cfg.Steps)
	lastLog, lastStep := time.Now(), t.Step()
	// Step durations are observed where the host waits for the backend
	// (every step on the CPU, every LogEvery steps on an asynchronous
	// backend), as the mean over the steps since the previous wait.
	lastSync, lastSyncStep := time.Now(), t.Step()
	// rollback handles a divergence at step (detail says what was not
	// finite): it restores the last checkpoint and halves both learning
	// rates, or, when it may not, returns the error that ends the run.
	rollbacks := 0
	rollback := func(step int64, detail string) error {
		kept := fmt.Sprintf("no checkpoint was written before it (the first was due at step %d)", min(cfg.CheckpointEvery, cfg.Steps))
		if lastSaved >= 0 {
			kept = fmt.Sprintf("the last good checkpoint, of step %d, is kept in %s", lastSaved, ckPath)
		}
		if !cfg.rollsBack() || lastSaved < 0 || rollbacks >= cfg.MaxRollbacks {
			gaveUp := ""
			if cfg.rollsBack() && rollbacks > 0 {
				gaveUp = fmt.Sprintf("; still diverging after %d rollbacks that halved the learning rates each time (now D %g, G %g)",
					rollbacks, t.Cfg.DAdam.LR, t.Cfg.GAdam.LR)
			}
			return fmt.Errorf("step %d: %w (%s)%s; %s", step, ErrNonFinite, detail, gaveUp, kept)
		}
		ck, err := readCheckpointFS(fsys, ckPath)
		if err == nil {
			err = t.Restore(ck)
		}
		if err != nil {
			return fmt.Errorf("step %d: %w (%s); rolling back to %s failed: %w", step, ErrNonFinite, detail, ckPath, err)
		}
		t.ScaleLearningRates(0.5)
		rollbacks++
		// the lines past the checkpoint describe steps that are undone
		if err := mw.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", MetricsFile, err)
		}
		if err := mf.Close(); err != nil {
			return fmt.Errorf("closing %s: %w", MetricsFile, err)
		}
		nf, err := openMetricsLog(fsys, filepath.Join(opts.Dir, MetricsFile), t.Step())
		if err != nil {
			return err
		}
		mf, mw = nf, bufio.NewWriter(nf)
		log.Warn("diverged: rolled back to the last checkpoint with halved learning rates",
			"step", step, "to_step", t.Step(), "rollback", rollbacks, "max_rollbacks", cfg.MaxRollbacks,
			"d_lr", t.Cfg.DAdam.LR, "g_lr", t.Cfg.GAdam.LR, "what", detail)
		if opts.Hooks.Rollback != nil {
			opts.Hooks.Rollback(step, t.Step(), float64(t.Cfg.DAdam.LR), float64(t.Cfg.GAdam.LR))
		}
		now := time.Now()
		lastLog, lastStep, lastSync, lastSyncStep = now, t.Step(), now, t.Step()
		return nil
	}
	for t.Step() < cfg.Steps {
		if ctx.Err() != nil {
			bar.done()
			log.Info("interrupted: writing a checkpoint", "step", t.Step())
			return save()
		}
		if err := t.Iterate(); err != nil {
			return err
		}
		step := t.Step()
		if step%checkEvery == 0 || step%cfg.LogEvery == 0 || step == cfg.Steps {
			s, err := t.Stats()
			if err != nil {
				return err
			}
			now := time.Now()
			if opts.Hooks.Step != nil && step > lastSyncStep {
				opts.Hooks.Step(now.Sub(lastSync) / time.Duration(step-lastSyncStep))
			}
			lastSync, lastSyncStep = now, step
			if ok, n := s.Finite(); !ok {
				bar.done()
				if opts.Hooks.NonFinite != nil {
					opts.Hooks.NonFinite(n)
				}
				if err := rollback(step, fmt.Sprintf("d_loss %v, g_loss %v, gradient norms %v and %v", s.DLoss, s.GLoss, s.GradNormD, s.GradNormG)); err != nil {
					return err
				}
				bar = newProgress(opts.Progress, cfg.Steps)
				continue
			}
			if step%cfg.LogEvery == 0 || step == cfg.Steps {
				now := time.Now()
				s.StepsPerSec = float64(step-lastStep) / now.Sub(lastLog).Seconds()
				s.UnixTime = float64(now.UnixNano()) / 1e9
				lastLog, lastStep = now, step
				line, _ := json.Marshal(s)
				mw.Write(append(line, '\n'))
				if opts.Hooks.Log != nil {
					opts.Hooks.Log(s)
				}
				if bar.active() {
					bar.update(s)
				} else {
					log.Info("step", "step", step, "d_loss", s.DLoss, "g_loss", s.GLoss,
						"d_real", s.DReal, "d_fake", s.DFake, "steps_per_sec", s.StepsPerSec, "epoch", s.Epoch)
				}
			}
		}
		drain()
		if opts.EvalEvery > 0 && opts.Hooks.Evaluate != nil && (step%opts.EvalEvery == 0 || step == cfg.Steps) {
			imgs, err := t.Generate(opts.EvalSamples, cfg.Seed, uint32(step))
			if err != nil {
				return err
			}
			opts.Hooks.Evaluate(step, imgs)
		}
		if step%cfg.SampleEvery == 0 && step != cfg.Steps {
			if err := sample(fmt.Sprintf("samples/step-%06d.png", step)); err != nil {
				return err
			}
		}
		if step%cfg.CheckpointEvery == 0 && step != cfg.Steps {
			if err := save(); errors.Is(err, ErrNonFinite) {
				// a backend that checks the losses only every LogEvery
				// steps: the weights went bad in between
				if err := rollback(step, err.Error()); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
		}
	}
	bar.done()
	if err := sample(FinalSample); err != nil {
		return err
	}
	if err := save(); err != nil {
		return err
	}
	log.Info("finished", "step", t.Step(), "dir", opts.Dir)
	return nil
}

func probeWritable(fsys fsx.FS, dir string) error {
	f, err := fsys.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("run directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return fsys.Remove(name)
}

func writeConfig(fsys fsx.FS, path string, cfg *Config) error {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	return atomicfile.WriteBytesFS(fsys, path, 0o644, b)
}

// openMetricsLog opens metrics.jsonl for appending. Lines for steps after
// the checkpoint a run resumes from (logged before a crash) are dropped
// first, so the log never holds a step twice.
func openMetricsLog(fsys fsx.FS, path string, resumed int64) (fsx.File, error) {
	old, err := fsys.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var keep bytes.Buffer
	if resumed > 0 {
		sc := bufio.NewScanner(bytes.NewReader(old))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var s struct {
				Step int64 `json:"step"`
			}
			if json.Unmarshal(sc.Bytes(), &s) == nil && s.Step <= resumed {
				keep.Write(sc.Bytes())
				keep.WriteByte('\n')
			}
		}
	}
	if !bytes.Equal(keep.Bytes(), old) {
		if err := atomicfile.WriteBytesFS(fsys, path, 0o644, keep.Bytes()); err != nil {
			return nil, err
		}
	}
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return f, nil
}
