// Command gan-train trains generative adversarial networks (MLP generator
// and discriminator) on image data, on the CPU or, in the CUDA build, on an
// NVIDIA GPU, serving Prometheus metrics, health and samples over HTTP.
//
// Usage:
//
//	gan-train train  [--preset edward|tf-tutorial|quick|tiny] [--config FILE] [flags]
//	gan-train sample --run DIR | --checkpoint FILE --n N --out FILE.png|FILE.idx
//	gan-train version
//
// Every training flag can also come from a YAML config file (--config);
// flags override the file, which overrides the preset; unknown keys are an
// error. A run directory holds config.yaml, checkpoints/, samples/ and
// metrics.jsonl; starting a run on a directory with a checkpoint resumes it
// (--fresh starts over). SIGINT and SIGTERM write a checkpoint and exit 0.
//
// Exit codes: 0 success, 1 runtime failure, 2 usage error.
//
// Builds: the default build is pure Go and never loads the CUDA driver.
// The CUDA build (go build -tags cuda, installed as gan-train-cuda beside
// gan-train) adds the GPU backend; with --device auto (the default) the
// default build probes for a GPU by running gan-train-cuda in a child
// process and hands the command over to it when one is usable, otherwise
// it logs a warning and trains on the CPU. --device cuda fails with exit
// code 1 where no GPU is usable.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"gan-train/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills the process the default way
	}()
	exe, _ := os.Executable()
	env := app.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin,
		Getenv:     os.Getenv,
		Executable: exe,
		IsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		CUDA:       cudaSupport(),
		Exec:       syscall.Exec,
	}
	code := app.Main(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}
