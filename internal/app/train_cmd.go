package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gan-train/internal/data"
	"gan-train/internal/metrics"
	"gan-train/internal/report"
	"gan-train/train"
)

func cmdTrain(ctx context.Context, args []string, env Env) error {
	cfg, err := parseTrainArgs(args, env)
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogFormat)

	be, device, err := openBackend(ctx, cfg.Device, append([]string{"train"}, args...), env, log)
	if err != nil {
		return err
	}
	defer be.Close()

	ds, err := openTrainData(ctx, cfg, log)
	if err != nil {
		return err
	}

	runID := newRunID()
	info := metrics.Info{Device: device, Preset: cfg.Preset, RunID: runID, Version: Version}
	reg, m, err := newRunMetrics(info, cfg.Steps)
	if err != nil {
		return err
	}
	st := &status{info: info, started: time.Now(), target: cfg.Steps}

	if cfg.Listen != "" {
		srv, err := newServer(cfg.Listen, !cfg.listenChosen, reg, st, log)
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		log.Info("serving", "url", "http://"+srv.Addr()+"/", "metrics", "http://"+srv.Addr()+"/metrics")
	}
	log.Info("training", "preset", cfg.Preset, "device", device, "steps", cfg.Steps, "batch", cfg.Batch,
		"data", cfg.Data, "images", len(ds.Pixels)/train.ImageSize, "out", cfg.Out, "run_id", runID)
	hintClusters(log, cfg)

	opts := train.RunOptions{
		Dir: cfg.Out, Fresh: cfg.Fresh, Pixels: ds.Pixels, Labels: ds.Labels, Logger: log,
		DataFingerprint: ds.Fingerprint(),
		Hooks:           runHooks(cfg, m, st),
	}
	defer paceOnStart(&opts.Hooks, len(ds.Pixels), env, log)()
	ev := addEvaluator(ctx, cfg, m, log, &opts)
	if env.IsTerminal && cfg.LogFormat == "text" {
		opts.Progress = env.Stderr
	}
	// The summary's training time stops where the final evaluation starts.
	var elapsed time.Duration
	started, finishing := time.Now(), opts.Hooks.Finishing
	opts.Hooks.Finishing = func() {
		elapsed = time.Since(started)
		if finishing != nil {
			finishing()
		}
	}
	runErr := train.Run(ctx, be, cfg.Config, opts)
	st.finished(runErr)
	if cfg.PushGateway != "" {
		if err := pushFinalMetrics(cfg.PushGateway, reg, runID, log); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		var ue *UsageError
		if errors.As(runErr, &ue) {
			return runErr
		}
		return fmt.Errorf("training %s: %w", cfg.Out, runErr)
	}
	if ctx.Err() != nil {
		log.Info("stopped by signal; resume with the same command", "out", cfg.Out)
		return nil
	}
	reportRun(cfg, ev, elapsed, env, log)
	return nil
}

// openTrainData opens the training images and checks that they suit cfg.
func openTrainData(ctx context.Context, cfg *fileConfig, log *slog.Logger) (*data.Dataset, error) {
	ds, err := data.Open(ctx, cfg.Data, cfg.CacheDir, data.WithLogger(log), data.WithImageSize(data.ImageSide, data.ImageSide))
	if err != nil {
		return nil, err
	}
	if ds.H*ds.W != train.ImageSize {
		return nil, fmt.Errorf("data %s: images are %dx%d; gan-train's networks take 28x28 images", cfg.Data, ds.H, ds.W)
	}
	if n := len(ds.Pixels) / train.ImageSize; cfg.Batch*cfg.K > n {
		return nil, usagef("batch %d (times k=%d) is larger than the dataset %s (%d images)", cfg.Batch, cfg.K, cfg.Data, n)
	}
	if cfg.Conditional && !ds.HasLabels() {
		return nil, usagef("--conditional needs labelled data, and %s has no labels (the %s preset is conditional: add --conditional=false, and --clusters 50 to condition on k-means clusters of the images instead)", cfg.Data, cfg.Preset)
	}
	return ds, nil
}

// newRunMetrics makes the Prometheus registry and the metrics of a run of
// target steps.
func newRunMetrics(info metrics.Info, target int64) (*prometheus.Registry, *metrics.Metrics, error) {
	reg, err := metrics.NewRegistry()
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	m, err := metrics.New(reg, info)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	m.SetTargetSteps(target)
	return reg, m, nil
}

// runHooks report a run's progress to the metrics m and the status page st.
func runHooks(cfg *fileConfig, m *metrics.Metrics, st *status) train.Hooks {
	return train.Hooks{
		Started: func(t *train.Trainer, resumed int64) {
			m.Resume(resumed, resumed*int64(cfg.K*cfg.Batch))
			st.mu.Lock()
			st.resumed = resumed
			st.mu.Unlock()
		},
		Log: func(s train.Stats) {
			m.Report(metrics.Snapshot{
				Step: s.Step, Samples: s.SamplesSeen, Epoch: s.Epoch,
				DiscriminatorLoss: s.DLoss, GeneratorLoss: s.GLoss,
				RealOutput: s.DReal, FakeOutput: s.DFake,
				DiscriminatorGradientNorm: s.GradNormD, GeneratorGradientNorm: s.GradNormG,
				DiscriminatorLearningRate: s.LRD, GeneratorLearningRate: s.LRG,
			})
			st.log(s)
		},
		Step:       func(d time.Duration) { m.ObserveStep(metrics.PhaseStep, d) },
		Checkpoint: m.Checkpoint,
		Sample:     st.setSample,
		NonFinite:  m.NonFinite,
		Rollback: func(step, to int64, lrD, lrG float64) {
			m.Rollback(lrD, lrG)
		},
	}
}

// addEvaluator sets opts up to evaluate the run when cfg asks for it, and
// returns the evaluator (nil when it does not).
func addEvaluator(ctx context.Context, cfg *fileConfig, m *metrics.Metrics, log *slog.Logger, opts *train.RunOptions) *evaluator {
	if cfg.EvalEvery <= 0 && !cfg.EvalAtEnd {
		return nil
	}
	// Evaluating only the end, for the summary, leaves out the Parzen
	// estimate: it would take longer than the rest of the evaluation.
	endOnly := cfg.EvalEvery == 0
	ev := newEvaluator(ctx, cfg.Data, cfg.CacheDir, cfg.EvalSamples, endOnly, m, log)
	every := cfg.EvalEvery
	if endOnly {
		every = cfg.Steps
	}
	opts.EvalEvery, opts.EvalSamples, opts.Records = every, cfg.EvalSamples, ev.records
	opts.Hooks.Evaluate, opts.Hooks.Finishing = ev.submit, ev.wait
	return ev
}

// pushFinalMetrics pushes the run's metrics to a Prometheus push gateway.
func pushFinalMetrics(gateway string, reg *prometheus.Registry, runID string, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := metrics.Push(ctx, gateway, "gan-train", reg, map[string]string{"instance": runID}); err != nil {
		log.Error("pushing final metrics", "gateway", gateway, "err", err)
		return err
	}
	log.Info("pushed final metrics", "gateway", gateway)
	return nil
}

// reportRun writes the run report of a finished run and, for a person
// reading text logs, the summary.
func reportRun(cfg *fileConfig, ev *evaluator, elapsed time.Duration, env Env, log *slog.Logger) {
	reportErr := report.WriteRunReport(cfg.Out)
	if reportErr != nil {
		log.Warn("run report incomplete", "err", reportErr)
	} else {
		log.Info("wrote the run report", "losses", train.RunDir(cfg.Out).Losses(), "progress", train.RunDir(cfg.Out).Progress())
	}
	if cfg.LogFormat == "text" {
		sum := runSummary{dir: cfg.Out, preset: cfg.Preset, steps: cfg.Steps, elapsed: elapsed, conditional: cfg.Conditional, reportErr: reportErr}
		if ev != nil {
			sum.eval = ev.latest()
		}
		sum.write(env.Stdout)
	}
}

func newRunID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("run-%d", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// paceOnStart makes hooks pace the collector to the heap beyond the
// dataset (paceGC) once the trainer holds it; the function it returns
// restores the collector's setting.
func paceOnStart(hooks *train.Hooks, dataBytes int, env Env, log *slog.Logger) (restore func()) {
	restoreGC := func() {}
	started := hooks.Started
	hooks.Started = func(t *train.Trainer, resumed int64) {
		restoreGC = paceGC(dataBytes, env.Getenv, log)
		if started != nil {
			started(t, resumed)
		}
	}
	return func() { restoreGC() }
}

// hintClusters points an unconditional quality run without clusters at
// --clusters 50: over the same five seeds at 30,000 steps (bench/RESULTS.md,
// issue 15) the classifier score was 7.42-7.58 without clusters and
// 8.67-8.84 with 50.
func hintClusters(log *slog.Logger, cfg *fileConfig) {
	if cfg.Preset == DefaultPreset && !cfg.Conditional && cfg.Clusters == 0 {
		log.Info("an unconditional quality run trains better with --clusters 50 (a self-conditioned GAN: k-means clusters of the images in place of labels)")
	}
}
