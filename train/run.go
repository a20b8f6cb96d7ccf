package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gopkg.in/yaml.v3"

	"gan-train/internal/atomicfile"
	"gan-train/internal/fsx"
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

// ErrNonFinite marks a run stopped because a loss or gradient stopped being
// a finite number.
var ErrNonFinite = errors.New("non-finite loss or gradient")

// Run trains cfg on be in opts.Dir, resuming from the run's checkpoint
// unless opts.Fresh. It returns nil when the last step is reached or when
// ctx is cancelled (after writing a checkpoint).
func Run(ctx context.Context, be model.Backend, cfg Config, opts RunOptions) (err error) {
	r := newRunner(be, cfg, opts)
	release, err := r.openDir()
	if err != nil {
		return err
	}
	defer release()
	ck, err := r.readCheckpoint()
	if err != nil {
		return err
	}
	if err := r.newTrainer(be); err != nil {
		return err
	}
	defer r.t.Close()
	if err := r.start(ck); err != nil {
		return err
	}
	if r.metrics, err = openMetrics(r.fsys, r.dir.Metrics(), r.resumed, opts.Records, r.log); err != nil {
		return err
	}
	defer func() { err = r.finish(err) }()
	return r.loop(ctx)
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
