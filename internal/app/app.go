package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"

	"gan-train/model"
)

// Version is the gan-train release; the build can override it with
// -ldflags "-X gan-train/internal/app.Version=...".
var Version = "0.1.0-dev"

// CUDA is what a build knows about NVIDIA GPUs. The default build has none;
// the cuda build (cmd/gan-train with -tags cuda) fills it in.
type CUDA struct {
	// Open returns the CUDA backend on the given device, without a check.
	Open func(ordinal int) (model.Backend, error)
	// OpenChecked opens the device, checks that it computes what the host
	// computes (the probe, on the backend it returns) and describes it.
	OpenChecked func(ordinal int) (model.Backend, string, error)
	// Probe checks that a usable GPU is there, returning a description
	// (OpenChecked, then Close).
	Probe func() (string, error)
}

// Env is everything a command reaches outside itself.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string
	// Executable is the path of the running binary (for finding the CUDA build).
	Executable string
	// IsTerminal reports whether Stderr is a terminal (for the progress bar).
	IsTerminal bool
	// CUDA is nil in the default build.
	CUDA *CUDA
	// Exec replaces the process with another program (syscall.Exec);
	// it returns only on failure.
	Exec func(path string, args []string, env []string) error
}

// UsageError is bad command-line or configuration input: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// parseFlags parses a subcommand's arguments, none of which may be
// positional: flag.ErrHelp for -h, a UsageError (exit 2) for the rest.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// MaxSamples bounds --n of the sample and eval commands (about 3 GB of
// float32 images).
const MaxSamples = 1 << 20

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

const topUsage = `gan-train trains generative adversarial networks on image data.

Usage:
  gan-train train   [flags]   train a GAN (see gan-train train -h)
  gan-train sample  [flags]   draw samples from a trained run
  gan-train eval    [flags]   judge samples: classifier score, Frechet distance, modes, Parzen
  gan-train lapgan  train|sample   a Laplacian pyramid of GANs
  gan-train version           print the build, its devices and versions
  gan-train help              this text
`

// shortUsage is what gan-train without arguments prints: the three
// commands a first session needs.
const shortUsage = `gan-train trains generative adversarial networks; 10,000 MNIST digits are built in.

  gan-train train --preset quick                     train for about a minute and a half (open the URL it logs)
  gan-train sample --run runs/quick --out grid.png   draw a grid of digits from that run
  gan-train eval --run runs/quick                    score its samples against real digits

gan-train help lists every command; gan-train train -h lists every flag.
`

// Main runs the command line args (without the program name) and returns
// the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		// a usage error, as for go and git: scripts that forget the
		// command fail, people read the three commands to start with
		fmt.Fprint(env.Stderr, shortUsage)
		return ExitUsage
	}
	var err error
	switch args[0] {
	case "train":
		err = cmdTrain(ctx, args[1:], env)
	case "lapgan":
		err = cmdLapgan(ctx, args[1:], env)
	case "eval":
		err = cmdEval(ctx, args[1:], env)
	case "sample":
		err = cmdSample(ctx, args[1:], env)
	case "version", "devices":
		err = cmdVersion(args[1:], env)
	case "probe": // hidden: used by the CPU-safe front binary to test for a GPU
		err = cmdProbe(env)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, topUsage)
		return ExitOK
	default:
		fmt.Fprint(env.Stderr, topUsage)
		err = usagef("unknown command %q", args[0])
	}
	return exitCode(err, env)
}

func exitCode(err error, env Env) int {
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "gan-train: %v\n", err)
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "gan-train: %v\n", err)
		return ExitFailure
	}
}

// logDigits is how many significant digits a logged number keeps: losses
// and rates read at a glance, and metrics.jsonl keeps every digit.
const logDigits = 4

func newLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: roundFloat}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// roundFloat rounds a floating-point attribute (float32 values arrive as
// float64) to logDigits significant digits.
func roundFloat(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindFloat64 {
		return a
	}
	v := a.Value.Float64()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return a
	}
	if r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', logDigits, 64), 64); err == nil {
		a.Value = slog.Float64Value(r)
	}
	return a
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return "unknown"
}
