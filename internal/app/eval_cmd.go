package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/eval"
	"gan-train/model"
	"gan-train/train"
)

func cmdEval(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("gan-train eval", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var gf generatorFlags
	gf.register(fs, "evaluate")
	samples := fs.String("samples", "", "IDX images file of generated samples (instead of --run)")
	n := fs.Int("n", eval.DefaultSamples, "number of generated samples every metric uses")
	dataSpec := fs.String("data", "digits", "the real data to compare with: digits (embedded train and held-out test splits), mnist, or a directory with train and t10k files")
	cacheDir := fs.String("cache-dir", "", "where the evaluation classifier and downloads are cached (default: the user cache directory)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sources := 0
	for _, s := range []string{gf.run, gf.checkpoint, *samples} {
		if s != "" {
			sources++
		}
	}
	switch {
	case sources != 1:
		return usagef("give exactly one of --run DIR, --checkpoint FILE or --samples FILE.idx")
	case *n < 2 || *n > MaxSamples:
		return usagef("n %d: must be between 2 and %d", *n, MaxSamples)
	case gf.raw && *samples != "":
		return usagef("--raw-weights picks a checkpoint's weights; --samples has none")
	}
	log := newLogger(env.Stderr, "text")
	be := cpu.New(cpu.Options{})
	defer be.Close()

	var gen eval.Images
	var err error
	if *samples != "" {
		gen, err = readSampleImages(*samples, *n)
	} else {
		gen, err = sampleCheckpointImages(ctx, be, gf.path(), *n, gf.seed, gf.raw, log)
	}
	if err != nil {
		return err
	}
	ref, err := prepareReference(ctx, be, *dataSpec, *cacheDir, eval.Options{Samples: *n}, log)
	if ctx.Err() != nil {
		return errors.New("interrupted: no evaluation was made")
	}
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := ref.Evaluate(ctx, be, gen)
	if ctx.Err() != nil {
		return errors.New("interrupted: no evaluation was made")
	}
	if err != nil {
		return fmt.Errorf("evaluating: %w", err)
	}
	log.Info("evaluated", "samples", rep.NSamples, "seconds", time.Since(start).Seconds())
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintln(env.Stdout, strings.TrimRight(rep.String(), "\n"))
	return nil
}

// readSampleImages reads the first n of the generated samples in an IDX
// images file.
func readSampleImages(path string, n int) (eval.Images, error) {
	ds, err := data.ReadImagesFile(path)
	if err != nil {
		return eval.Images{}, err
	}
	if ds.N < n {
		return eval.Images{}, fmt.Errorf("samples %s: %d images, the evaluation uses %d (set --n to evaluate fewer)", path, ds.N, n)
	}
	gen, err := eval.FromBytes(ds.Pixels, ds.N, ds.H*ds.W, nil)
	if err != nil {
		return eval.Images{}, fmt.Errorf("samples %s: %w", path, err)
	}
	return gen, nil
}

// sampleCheckpointImages draws n samples from the generator of the
// checkpoint at path (its last weights when raw, else their moving average
// where it has one).
func sampleCheckpointImages(ctx context.Context, be model.Backend, path string, n int, seed uint64, raw bool, log *slog.Logger) (eval.Images, error) {
	ck, err := train.ReadCheckpoint(path)
	if err != nil {
		return eval.Images{}, err
	}
	pix, err := train.SampleCheckpointContext(ctx, be, ck, n, seed, -1, raw)
	if ctx.Err() != nil {
		return eval.Images{}, errors.New("interrupted: no evaluation was made")
	}
	if err != nil {
		return eval.Images{}, fmt.Errorf("sampling %s: %w", path, err)
	}
	weights := "weights"
	if train.HasAverage(ck) && !raw {
		weights = "moving average of the weights"
	}
	log.Info("sampled the generator", "checkpoint", path, "step", ck.Header.Step, "generator", weights)
	return eval.Images{Pix: pix, N: n, D: train.ImageSize}, nil
}

// prepareReference loads the real data's training and held-out splits and
// the cached classifier (training it when missing or stale).
func prepareReference(ctx context.Context, be model.Backend, spec, cacheDir string, opts eval.Options, log *slog.Logger) (*eval.Reference, error) {
	if cacheDir == "" {
		d, err := data.DefaultCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cache directory: %w (set --cache-dir)", err)
		}
		cacheDir = d
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	trainSet, err := data.Open(ctx, spec, cacheDir, data.WithImageSize(data.ImageSide, data.ImageSide))
	if err != nil {
		return nil, err
	}
	testSet, err := data.OpenTest(ctx, spec, cacheDir, data.WithImageSize(data.ImageSide, data.ImageSide))
	if err != nil {
		return nil, fmt.Errorf("evaluation needs held-out digits: %w", err)
	}
	return eval.Prepare(ctx, be, cacheDir, spec, trainSet, testSet, eval.DefaultClassifierConfig(), opts, log)
}
