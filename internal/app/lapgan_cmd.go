package app

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"gan-train/internal/atomicfile"
	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/lapgan"
	"gan-train/internal/runlock"
	"gan-train/model"
	"gan-train/train"
)

const lapganUsage = `gan-train lapgan trains and samples a Laplacian pyramid of GANs (Denton et al. 2015):

  gan-train lapgan train  [--config FILE] [--out DIR] [--data SPEC] [--steps N] [--device auto|cpu|cuda] [--fresh]
  gan-train lapgan sample --run DIR --n N --out FILE.png|FILE.idx [--seed S]
`

func cmdLapgan(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, lapganUsage)
		return usagef("lapgan needs a command: train or sample")
	}
	switch args[0] {
	case "train":
		return lapganTrain(ctx, args[1:], env)
	case "sample":
		return lapganSample(ctx, args[1:], env)
	}
	fmt.Fprint(env.Stderr, lapganUsage)
	return usagef("unknown lapgan command %q", args[0])
}

// loadLapganConfig reads a LAPGAN configuration file over the defaults; an
// empty path gives the defaults.
func loadLapganConfig(path string) (lapgan.Config, error) {
	cfg := lapgan.DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return cfg, usagef("config file %s: %v", path, err)
	}
	return cfg, nil
}

func lapganTrain(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("gan-train lapgan train", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfgPath := fs.String("config", "", "YAML config (keys of lapgan.Config; unknown keys are an error)")
	out := fs.String("out", "runs/lapgan", "run directory")
	dataSpec := fs.String("data", "digits", "training data (as for gan-train train)")
	steps := fs.Int("steps", 0, "steps per level (0: the config's)")
	cacheDir := fs.String("cache-dir", "", "where downloaded datasets are kept")
	device := fs.String("device", "auto", "auto, cpu or cuda (as for gan-train train)")
	fresh := fs.Bool("fresh", false, "start over: discard the checkpoint in --out instead of keeping its trained levels")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadLapganConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *steps < 0 {
		return usagef("steps %d: must not be negative", *steps)
	}
	if err := checkDevice(*device); err != nil {
		return err
	}
	if *steps > 0 {
		for l := range cfg.Levels {
			cfg.Levels[l].Steps = *steps
		}
	}
	if err := cfg.Validate(); err != nil {
		return &UsageError{err}
	}
	log := newLogger(env.Stderr, "text")
	ds, err := data.Open(ctx, *dataSpec, *cacheDir, data.WithLogger(log), data.WithImageSize(data.ImageSide, data.ImageSide))
	if err != nil {
		return err
	}
	if ds.H*ds.W != lapgan.ImageSize {
		return fmt.Errorf("data %s: images are %dx%d; the pyramid takes 28x28 images", *dataSpec, ds.H, ds.W)
	}
	restoreGC := func() {}
	defer func() { restoreGC() }()
	lock, err := openLapganDir(*out)
	if err != nil {
		return err
	}
	defer lock.Release()
	be, _, err := openBackend(ctx, *device, append([]string{"lapgan", "train"}, args...), env, log)
	if err != nil {
		return err
	}
	defer be.Close()
	// --fresh: the old checkpoint is replaced when the first level is
	// written, never removed before (a failed or stopped run keeps it).
	opts := []lapgan.Option{lapgan.Started(func() { restoreGC = paceGC(len(ds.Pixels), env.Getenv, log) })}
	if *fresh {
		opts = append(opts, lapgan.Fresh())
	}
	if err := lapgan.TrainPixels(ctx, be, cfg, ds.Pixels, ds.Fingerprint(), *out, log, opts...); err != nil && ctx.Err() == nil {
		return fmt.Errorf("training %s: %w", *out, err)
	} else if ctx.Err() != nil {
		// as train does on SIGINT/SIGTERM: exit 0, nothing half-written
		log.Info("stopped by signal; the levels already trained are kept, the level in progress is not", "out", *out, "detail", err)
		return nil
	}
	return writeLapganGrid(be, *out)
}

// openLapganDir creates a LAPGAN run directory and takes its lock.
func openLapganDir(out string) (*runlock.Lock, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	return runlock.Acquire(out)
}

// writeLapganGrid writes 64 samples of the run in out to out/samples.png.
func writeLapganGrid(be model.Backend, out string) error {
	s, err := lapgan.Load(filepath.Join(out, lapgan.CheckpointName))
	if err != nil {
		return err
	}
	imgs, err := s.Sample(be, 64, 1)
	if err != nil {
		return err
	}
	png, err := train.GridPNG(imgs, 8, 2)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(out, "samples.png"), 0o644, png)
}

func lapganSample(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("gan-train lapgan sample", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	run := fs.String("run", "", "LAPGAN run directory")
	n := fs.Int("n", 64, "number of samples")
	out := fs.String("out", "", "output: a .png grid or an IDX images file")
	seed := fs.Uint64("seed", 1, "noise seed")
	raw := fs.Bool("raw-weights", false, "sample each level's last generator weights instead of their moving average (g_ema)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *run == "":
		return usagef("--run is required")
	case *out == "":
		return usagef("--out is required")
	case *n <= 0 || *n > MaxSamples:
		return usagef("n %d: must be between 1 and %d", *n, MaxSamples)
	}
	s, err := lapgan.LoadWeights(filepath.Join(*run, lapgan.CheckpointName), *raw)
	if err != nil {
		return err
	}
	imgs, err := s.Sample(cpu.New(cpu.Options{}), *n, *seed)
	if err != nil {
		return fmt.Errorf("sampling %s: %w", *run, err)
	}
	if ctx.Err() != nil {
		return interrupted(*out)
	}
	pix := make([]uint8, len(imgs))
	for i, v := range imgs {
		pix[i] = train.ToByte(v)
	}
	if err := writeSamples(ctx, [][]uint8{pix}, *n, 0, *out); err != nil {
		if ctx.Err() != nil {
			return interrupted(*out)
		}
		return err
	}
	return nil
}
