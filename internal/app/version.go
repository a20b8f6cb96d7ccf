package app

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

func cmdVersion(args []string, env Env) error {
	if len(args) > 0 {
		return usagef("version takes no arguments")
	}
	build := "cpu"
	if env.CUDA != nil {
		build = "cuda"
	}
	fmt.Fprintf(env.Stdout, "gan-train %s\nbuild: %s\ngo: %s %s/%s\n", Version, build, goVersion(), runtime.GOOS, runtime.GOARCH)
	if env.CUDA != nil {
		desc, err := env.CUDA.Probe()
		if err != nil {
			fmt.Fprintf(env.Stdout, "cuda: no usable device: %v\n", err)
		} else {
			fmt.Fprintf(env.Stdout, "%s\n", desc)
		}
		return nil
	}
	if _, reason := probeCUDABuild(context.Background(), env); reason == "" {
		// the CUDA build describes the driver and the devices itself
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, cudaBinaryPath(env), "version").Output()
		if err != nil {
			fmt.Fprintf(env.Stdout, "cuda: available through %s, which did not describe its devices\n", CUDABinary)
			return nil
		}
		fmt.Fprintf(env.Stdout, "cuda: available through %s:\n", CUDABinary)
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fmt.Fprintf(env.Stdout, "  %s\n", line)
		}
	} else {
		fmt.Fprintf(env.Stdout, "cuda: not available: %s\n", reason)
	}
	return nil
}
