package app

import (
	"context"
	"fmt"
	"runtime"
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
	if reason := probeCUDABuild(context.Background(), env); reason == "" {
		fmt.Fprintf(env.Stdout, "cuda: available through %s (run it with `version` for device details)\n", CUDABinary)
	} else {
		fmt.Fprintf(env.Stdout, "cuda: not available: %s\n", reason)
	}
	return nil
}
