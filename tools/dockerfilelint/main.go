package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// offlineResolver answers image-config look-ups without any registry.
type offlineResolver struct{ platform ocispecs.Platform }

func (r offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := fmt.Sprintf(`{"architecture":%q,"os":%q,"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`,
		r.platform.Architecture, r.platform.OS)
	return ref, digest.FromString(cfg), []byte(cfg), nil
}

// buildArgs collects repeated -build-arg K=V flags.
type buildArgs map[string]string

func (b buildArgs) String() string { return fmt.Sprint(map[string]string(b)) }

func (b buildArgs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("build arg %q: want KEY=VALUE", s)
	}
	b[k] = v
	return nil
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run lints every file named in args and returns the exit code: 0 when no
// file has a warning or error, 1 when some file has, 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dockerfilelint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	platform := fs.String("platform", "linux/amd64", "target platform `os/arch`")
	bargs := buildArgs{}
	fs.Var(bargs, "build-arg", "build argument `KEY=VALUE` (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: dockerfilelint [flags] Dockerfile...")
		return 2
	}
	osName, arch, ok := strings.Cut(*platform, "/")
	if !ok || osName == "" || arch == "" {
		fmt.Fprintf(stderr, "dockerfilelint: -platform %q: want os/arch\n", *platform)
		return 2
	}
	plat := ocispecs.Platform{OS: osName, Architecture: arch}
	bad := 0
	for _, name := range fs.Args() {
		n, err := lintFile(ctx, name, plat, bargs, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "dockerfilelint: %v\n", err)
			bad++
			continue
		}
		if n > 0 {
			bad++
		} else {
			fmt.Fprintf(stdout, "%s: no warnings\n", name)
		}
	}
	if bad > 0 {
		return 1
	}
	return 0
}

// lintFile prints the warnings for one Dockerfile and returns their number
// (a build error that stops the check counts as one).
func lintFile(ctx context.Context, name string, plat ocispecs.Platform, bargs buildArgs, out io.Writer) (int, error) {
	dt, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("reading Dockerfile: %w", err)
	}
	sm := llb.NewSourceMap(nil, name, "Dockerfile", dt)
	sm.Definition = &llb.Definition{}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		Config:         dockerui.Config{BuildArgs: bargs, BuildPlatforms: []ocispecs.Platform{plat}},
		SourceMap:      sm,
		TargetPlatform: &plat,
		MetaResolver:   offlineResolver{plat},
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return report(name, res, out)
}

// report prints res the way `docker build --check` does and returns the
// number of findings.
func report(name string, res *lint.LintResults, out io.Writer) (int, error) {
	n := 0
	for i := range res.Warnings {
		w := &res.Warnings[i]
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].GetStart().GetLine())
		}
		fmt.Fprintf(out, "%s:%d: %s: %s", name, line, w.RuleName, w.Detail)
		if w.URL != "" {
			fmt.Fprintf(out, " (%s)", w.URL)
		}
		fmt.Fprintln(out)
		n++
	}
	if res.Error != nil {
		line := 0
		if len(res.Error.Location.Ranges) > 0 {
			line = int(res.Error.Location.Ranges[0].GetStart().GetLine())
		}
		fmt.Fprintf(out, "%s:%d: error: %s\n", name, line, res.Error.Message)
		n++
	}
	return n, nil
}
