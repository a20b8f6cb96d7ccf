// Command kernelgen reads the kernel signatures of kernels/*.cu and writes
// the emulated device's view of them into internal/cudaemu: one C++ file a
// kernel family that compiles its .cu source as host code (k_NAME.cpp), and
// table_gen.cpp, which declares every extern "C" __global__ function and
// unpacks launch arguments (the bits of each parameter, as the gpu package
// passes them to cuLaunchKernel) into a typed call.
//
// Usage, from the repository root (go generate ./internal/cudaemu runs it):
//
//	go run ./internal/kernelsig/kernelgen [-kernels kernels,internal/cudaemu] [-out internal/cudaemu] [-check]
//
// With -check it writes nothing and exits 1 when a generated file is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	sig "gan-train/internal/kernelsig"
)

func main() {
	kdir := flag.String("kernels", "kernels", "directories of the .cu sources, separated by commas")
	out := flag.String("out", "internal/cudaemu", "directory to write the generated C++ into")
	check := flag.Bool("check", false, "only report stale generated files")
	flag.Parse()
	if err := run(*kdir, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "kernelgen:", err)
		os.Exit(1)
	}
}

func run(kdirs, out string, check bool) error {
	var mods []sig.Module
	for _, dir := range strings.Split(kdirs, ",") {
		m, err := sig.ParseDir(dir)
		if err != nil {
			return err
		}
		mods = append(mods, m...)
	}
	files, err := sig.EmuFiles(mods, out)
	if err != nil {
		return err
	}
	var stale []string
	for name, text := range files {
		path := filepath.Join(out, name)
		old, err := os.ReadFile(path)
		if err == nil && bytes.Equal(old, text) {
			continue
		}
		if check {
			stale = append(stale, path)
			continue
		}
		if err := os.WriteFile(path, text, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("stale (run go generate ./internal/cudaemu): %v", stale)
	}
	return nil
}
