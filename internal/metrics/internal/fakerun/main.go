package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"gan-train/internal/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		slog.Error("fakerun", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "train" {
		return errors.New("usage: fakerun train --preset P --steps N --out DIR --listen ADDR")
	}
	fs := flag.NewFlagSet("fakerun train", flag.ContinueOnError)
	preset := fs.String("preset", "tiny", "preset name reported in gan_train_info")
	steps := fs.Int64("steps", 100000, "last step")
	out := fs.String("out", "", "run directory")
	listen := fs.String("listen", "127.0.0.1:2112", "HTTP address of /metrics")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("parsing flags: %w", err)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fmt.Errorf("creating run directory: %w", err)
		}
	}
	reg, err := metrics.NewRegistry()
	if err != nil {
		return err
	}
	m, err := metrics.New(reg, metrics.Info{Device: "cpu", Preset: *preset, RunID: "fakerun-" + filepath.Base(*out), Version: "fakerun"})
	if err != nil {
		return err
	}
	m.SetTargetSteps(*steps)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg, slog.Default()))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("serving", "error", err)
		}
	}()
	defer srv.Close()
	slog.Info("fakerun serving", "addr", ln.Addr().String())

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	lastCheckpoint := time.Now()
	for step := int64(1); step <= *steps; step++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// A damped oscillation towards the equilibrium D(x) = D(G(z)) = 1/2.
		t := float64(step)
		wobble := 0.2 * math.Exp(-t/3000) * math.Sin(t/40)
		real, fake := 0.5+0.1+wobble, 0.5-0.1-wobble
		m.Report(metrics.Snapshot{
			Step: step, Samples: step * 32, Epoch: step * 32 / 60000,
			DiscriminatorLoss:         -math.Log(real) - math.Log(1-fake),
			GeneratorLoss:             -math.Log(fake),
			RealOutput:                real,
			FakeOutput:                fake,
			DiscriminatorGradientNorm: 1 + wobble,
			GeneratorGradientNorm:     0.5 - wobble,
			DiscriminatorLearningRate: 5e-4,
			GeneratorLearningRate:     1e-4,
		})
		for _, o := range []struct {
			p metrics.Phase
			d time.Duration
		}{{metrics.PhaseStep, 900 * time.Microsecond}, {metrics.PhaseDiscriminator, 500 * time.Microsecond}, {metrics.PhaseGenerator, 400 * time.Microsecond}} {
			if err := m.ObserveStep(o.p, o.d); err != nil {
				return err
			}
		}
		if now := time.Now(); now.Sub(lastCheckpoint) >= 2*time.Second {
			m.Checkpoint(3*time.Millisecond, now)
			lastCheckpoint = now
		}
	}
	return nil
}
