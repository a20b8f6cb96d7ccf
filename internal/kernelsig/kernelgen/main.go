// Command kernelgen reads the kernel signatures of kernels/*.cu and writes
// the two views of them that must agree with the sources:
//
//   - the emulated device's, into internal/cudaemu: one C++ file a kernel
//     family that compiles its .cu source as host code (k_NAME.cpp), and
//     table_gen.cpp, which declares every extern "C" __global__ function and
//     unpacks launch arguments (the bits of each parameter, as the gpu
//     package passes them to cuLaunchKernel) into a typed call;
//   - package gpu's, with -golaunch FILE: the kernel handles and one typed
//     launcher a kernel (kernelsig.GoLaunchers).
//
// Usage (go generate ./internal/cudaemu and go generate ./gpu run it):
//
//	go run ./internal/kernelsig/kernelgen [-kernels kernels,internal/cudaemu] [-out internal/cudaemu] [-check]
//	go run ./internal/kernelsig/kernelgen -kernels kernels -golaunch gpu/kernels_gen.go [-check]
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
	golaunch := flag.String("golaunch", "", "write package gpu's typed launchers to this file instead of the emulator's C++")
	check := flag.Bool("check", false, "only report stale generated files")
	flag.Parse()
	if err := run(*kdir, *out, *golaunch, *check); err != nil {
		fmt.Fprintln(os.Stderr, "kernelgen:", err)
		os.Exit(1)
	}
}

func run(kdirs, out, golaunch string, check bool) error {
	var mods []sig.Module
	for _, dir := range strings.Split(kdirs, ",") {
		m, err := sig.ParseDir(dir)
		if err != nil {
			return err
		}
		mods = append(mods, m...)
	}
	files, err := render(mods, out, golaunch)
	if err != nil {
		return err
	}
	var stale []string
	for path, text := range files {
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
		return fmt.Errorf("stale (run go generate ./internal/cudaemu ./gpu): %v", stale)
	}
	return nil
}

// render returns the generated files by path under out: the emulator's,
// or with golaunch set, the gpu package's launchers (out is then ignored).
func render(mods []sig.Module, out, golaunch string) (map[string][]byte, error) {
	if golaunch == "" {
		files, err := sig.EmuFiles(mods, out)
		if err != nil {
			return nil, err
		}
		byPath := map[string][]byte{}
		for name, text := range files {
			byPath[filepath.Join(out, name)] = text
		}
		return byPath, nil
	}
	src, err := sig.GoLaunchers(mods)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{golaunch: src}, nil
}
