package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/metrics"
	"gan-train/internal/testtools"
	"gan-train/model"
	"gan-train/train"
)

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), args, Env{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }})
	return code, o.String(), e.String()
}

// tinyRun trains a few tiny steps into a fresh run directory.
func tinyRun(t *testing.T, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--preset", "tiny", "--steps", "4", "--out", dir, "--listen", "", "--device", "cpu"}, extra...)
	if code, _, stderr := runMain(t, args...); code != 0 {
		t.Fatalf("tiny run exited %d: %s", code, stderr)
	}
	return dir
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	good := tinyRun(t)
	ckpt := train.RunDir(good).Checkpoint()
	corrupt := filepath.Join(tmp, "corrupt.ckpt")
	b, _ := os.ReadFile(ckpt)
	b[len(b)/3] ^= 0x55
	writeFile(t, corrupt, b)
	truncated := writeFile(t, filepath.Join(tmp, "trunc-images-idx3-ubyte"), []byte{0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3})
	badMagic := writeFile(t, filepath.Join(tmp, "magic-images-idx3-ubyte"), []byte{0, 0, 9, 9, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28})
	billions := writeFile(t, filepath.Join(tmp, "huge-images-idx3-ubyte"), []byte{0, 0, 8, 3, 0xee, 0x6b, 0x28, 0x00, 0, 0, 0, 28, 0, 0, 0, 28})
	unknownKey := writeFile(t, filepath.Join(tmp, "bad.yaml"), []byte("steps: 10\nlearning_rate: 0.1\n"))
	small := filepath.Join(tmp, "small-images-idx3-ubyte")
	d, _ := data.New("small", 5, 28, 28, make([]byte, 5*784), nil)
	if err := d.Save(small, ""); err != nil {
		t.Fatal(err)
	}
	notDir := writeFile(t, filepath.Join(tmp, "file"), []byte("x"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()

	out := func() string { return filepath.Join(t.TempDir(), "run") }
	tr := func(extra ...string) []string {
		return append([]string{"train", "--preset", "tiny", "--steps", "2", "--listen", "", "--device", "cpu"}, extra...)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"unknown command", []string{"bake"}, 2, `unknown command "bake"`},
		{"unknown flag", tr("--out", out(), "--colour", "red"), 2, "colour"},
		{"unknown preset", tr("--out", out(), "--preset", "huge"), 2, `unknown preset "huge"`},
		{"unknown activation", tr("--out", out(), "--g-hidden-act", "swish"), 2, "swish"},
		{"zero batch", tr("--out", out(), "--batch", "0"), 2, "batch 0"},
		{"negative steps", tr("--out", out(), "--steps", "-5"), 2, "steps -5"},
		{"zero learning rate", tr("--out", out(), "--d-lr", "0"), 2, "d-lr"},
		{"zero width", tr("--out", out(), "--g-hidden", "0"), 2, "g-hidden width 0"},
		{"not a number", tr("--out", out(), "--g-lr", "fast"), 2, "fast"},
		{"unknown config key", tr("--out", out(), "--config", unknownKey), 2, "learning_rate"},
		{"missing config", tr("--out", out(), "--config", filepath.Join(tmp, "none.yaml")), 1, "none.yaml"},
		{"batch larger than dataset", tr("--out", out(), "--data", small), 2, "larger than the dataset"},
		{"missing data", tr("--out", out(), "--data", filepath.Join(tmp, "nothing")), 1, "nothing"},
		{"truncated IDX", tr("--out", out(), "--data", truncated), 1, "truncated"},
		{"wrong magic", tr("--out", out(), "--data", badMagic), 1, "magic"},
		{"billions of images", tr("--out", out(), "--data", billions), 1, "huge-images"},
		{"unwritable run directory", tr("--out", "/proc/gan-train-test/run"), 1, "run directory"},
		{"run directory is a file", tr("--out", filepath.Join(notDir, "run")), 1, "file"},
		{"port in use", []string{"train", "--preset", "tiny", "--steps", "2", "--device", "cpu", "--out", out(), "--listen", busy}, 1, busy},
		{"bad device", tr("--out", out(), "--device", "tpu"), 2, "tpu"},
		{"cuda without a GPU", tr("--out", out(), "--device", "cuda"), 1, "--gpus all"},
		{"corrupt checkpoint", []string{"sample", "--checkpoint", corrupt, "--out", filepath.Join(tmp, "g.png")}, 1, "checksum"},
		{"missing checkpoint", []string{"sample", "--run", filepath.Join(tmp, "norun"), "--out", filepath.Join(tmp, "g.png")}, 1, "norun"},
		{"sample without source", []string{"sample", "--out", filepath.Join(tmp, "g.png")}, 2, "--run"},
		{"sample zero", []string{"sample", "--run", good, "--n", "0", "--out", filepath.Join(tmp, "g.png")}, 2, "n 0"},
		{"sample billions", []string{"sample", "--run", good, "--n", "2000000000", "--out", filepath.Join(tmp, "g.png")}, 2, "n 2000000000"},
		{"eval without source", []string{"eval"}, 2, "--samples"},
		{"eval two sources", []string{"eval", "--run", good, "--samples", small}, 2, "exactly one"},
		{"eval too few samples", []string{"eval", "--samples", small, "--cache-dir", tmp}, 1, "5 images"},
		{"eval missing samples", []string{"eval", "--samples", filepath.Join(tmp, "nope.idx")}, 1, "nope.idx"},
		{"eval truncated samples", []string{"eval", "--samples", truncated}, 1, "truncated"},
		{"lapgan unknown command", []string{"lapgan", "fly"}, 2, "fly"},
		{"lapgan unknown device", []string{"lapgan", "train", "--device", "tpu", "--out", filepath.Join(tmp, "lap")}, 2, `device "tpu"`},
		{"another architecture", []string{"train", "--preset", "tiny", "--g-hidden", "48", "--steps", "8", "--out", good, "--listen", "", "--device", "cpu"}, 1, "another architecture"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runMain(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("gan-train %s\nexit %d, stderr:\n%s\nwant exit %d and stderr containing %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
			}
			if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "[running]") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
		})
	}
	// Nothing half-written: the corrupt-checkpoint sample wrote no grid.
	if _, err := os.Stat(filepath.Join(tmp, "g.png")); err == nil {
		t.Error("a failed sample command left g.png behind")
	}
}

func TestConfigFileAndFlagPrecedence(t *testing.T) {
	tmp := t.TempDir()
	cfgPath := writeFile(t, filepath.Join(tmp, "run.yaml"), []byte("preset: tiny\nsteps: 3\nbatch: 16\ng_hidden: [24]\nd_adam: {lr: 0.0003, beta1: 0.5, beta2: 0.999, eps: 1.0e-8}\n"))
	var e bytes.Buffer
	cfg, err := parseTrainArgs([]string{"--config", cfgPath, "--batch", "8"}, Env{Stderr: &e})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Preset != "tiny" || cfg.Steps != 3 || cfg.Batch != 8 || len(cfg.GHidden) != 1 || cfg.GHidden[0] != 24 || cfg.DAdam.LR != 0.0003 || cfg.DAdam.Beta1 != 0.5 {
		t.Errorf("resolved %+v; want preset tiny, steps 3 from the file, batch 8 from the flag, g_hidden [24], d lr 0.0003 beta1 0.5", cfg.Config)
	}
	if cfg.Latent != 16 {
		t.Errorf("latent %d, want the tiny preset's 16 where neither file nor flag sets it", cfg.Latent)
	}
}

func TestTrainThenSample(t *testing.T) {
	dir := tinyRun(t)
	for _, f := range []string{"config.yaml", "metrics.jsonl", "checkpoints/latest.ckpt", "samples/final.png", "samples/step-000000.png", "samples/latest.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
	idx := filepath.Join(t.TempDir(), "s.idx")
	if code, _, stderr := runMain(t, "sample", "--run", dir, "--n", "37", "--out", idx); code != 0 {
		t.Fatalf("sample exited %d: %s", code, stderr)
	}
	ds, err := data.ReadImagesFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 37 || ds.H != 28 || ds.W != 28 {
		t.Errorf("samples file holds %d images of %dx%d, want 37 of 28x28", ds.N, ds.H, ds.W)
	}
	png := filepath.Join(t.TempDir(), "g.png")
	if code, _, stderr := runMain(t, "sample", "--run", dir, "--n", "9", "--out", png); code != 0 {
		t.Fatalf("sample exited %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(png)
	if !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG", png)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runMain(t, "version")
	if code != 0 || !strings.Contains(out, "build: cpu") {
		t.Errorf("version exited %d with %q, want 0 and the build kind", code, out)
	}
}

func TestServerEndpoints(t *testing.T) {
	reg, err := metrics.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	m, err := metrics.New(reg, metrics.Info{Device: "cpu", Preset: "tiny", RunID: "abc", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	m.Report(metrics.Snapshot{Step: 5, DiscriminatorLoss: 1.25, GeneratorLoss: 0.75})
	st := &status{info: metrics.Info{RunID: "abc", Preset: "tiny"}, started: time.Now(), target: 10}
	st.log(train.Stats{Step: 5, DLoss: 1.25, GLoss: 0.75})
	srv, err := newServer("127.0.0.1:0", false, reg, st, newLogger(io.Discard, "text"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	get := func(path string) (int, string, string) {
		resp, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	if code, _, body := get("/metrics"); code != 200 || !strings.Contains(body, "gan_train_discriminator_loss 1.25") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d\n%s\nwant the loss gauge and Go collectors", code, body)
	}
	if code, _, body := get("/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, _, _ := get("/samples/latest.png"); code != 404 {
		t.Errorf("/samples/latest.png before any sample: %d, want 404", code)
	}
	st.setSample(5, []byte("\x89PNG fake"))
	if code, ct, _ := get("/samples/latest.png"); code != 200 || ct != "image/png" {
		t.Errorf("/samples/latest.png: %d %s", code, ct)
	}
	if code, _, body := get("/status.json"); code != 200 || !strings.Contains(body, `"run_id":"abc"`) {
		t.Errorf("/status.json: %d %s", code, body)
	}
	if code, ct, body := get("/"); code != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "samples/latest.png") {
		t.Errorf("/: %d %s", code, ct)
	}
	st.mu.Lock()
	st.err = "boom"
	st.mu.Unlock()
	if code, _, _ := get("/healthz"); code != 503 {
		t.Errorf("/healthz after a failure: %d, want 503", code)
	}
	if _, err := newServer(srv.Addr(), false, reg, st, newLogger(io.Discard, "text")); err == nil || !strings.Contains(err.Error(), srv.Addr()) {
		t.Errorf("second server on %s: %v, want an error naming the address", srv.Addr(), err)
	}
}

func TestProbeReasonHidesDriverText(t *testing.T) {
	cuInit := `Error in initialization, please refer to "https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__INITIALIZE.html" for details on: NoDevice`
	cases := []struct{ out, want string }{
		{cuInit, "reports no GPU"},
		{"./gan-train-cuda: error while loading shared libraries: libcuda.so.1: cannot open shared object file", "libcuda.so.1"},
		{"something else", "could not run"},
	}
	for _, c := range cases {
		got := probeReason(c.out, nil)
		if !strings.Contains(got, c.want) || strings.Contains(got, "docs.nvidia.com") || strings.Contains(got, "shared libraries") {
			t.Errorf("probeReason(%q) = %q, want our own words containing %q", c.out, got, c.want)
		}
	}
}

// With the CUDA build beside the binary but no GPU, auto falls back with a
// warning and cuda refuses with exit 1, and neither passes cu's own text on.
func TestDeviceDispatchWithFailingProbe(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, CUDABinary)
	script := "#!/bin/sh\necho 'Error in initialization, please refer to \"https://docs.nvidia.com/cuda\" for details on: NoDevice'\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	execd := false
	var execEnv []string
	env := func(e *bytes.Buffer) Env {
		return Env{Stdout: io.Discard, Stderr: e, Getenv: func(string) string { return "" }, Executable: filepath.Join(dir, "gan-train"),
			Exec: func(_ string, _ []string, env []string) error { execd, execEnv = true, env; return nil }}
	}
	var e1 bytes.Buffer
	code := Main(context.Background(), []string{"train", "--preset", "tiny", "--steps", "1", "--out", filepath.Join(dir, "a"), "--listen", ""}, env(&e1))
	if code != 0 || !strings.Contains(e1.String(), "no usable GPU, training on the CPU") || !strings.Contains(e1.String(), "device="+DeviceCPUFallback) || strings.Contains(e1.String(), "docs.nvidia.com") || execd {
		t.Errorf("auto: exit %d, exec %v, stderr:\n%s\nwant 0, no exec, a fallback warning and no driver text", code, execd, e1.String())
	}
	var e2 bytes.Buffer
	code = Main(context.Background(), []string{"train", "--preset", "tiny", "--steps", "1", "--device", "cuda", "--out", filepath.Join(dir, "b"), "--listen", ""}, env(&e2))
	if code != 1 || !strings.Contains(e2.String(), "--gpus all") || strings.Contains(e2.String(), "docs.nvidia.com") || execd {
		t.Errorf("cuda: exit %d, exec %v, stderr:\n%s\nwant 1 and the --gpus all hint", code, execd, e2.String())
	}
	// A probe that succeeds hands the command over to the CUDA build, with
	// the probe's description, so that the CUDA build does not probe again.
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'cuda: device 0 test GPU'\n"), 0o755)
	var e3 bytes.Buffer
	Main(context.Background(), []string{"train", "--preset", "tiny", "--steps", "1", "--out", filepath.Join(dir, "c"), "--listen", ""}, env(&e3))
	if !execd || !slices.Contains(execEnv, probedEnv+"=cuda: device 0 test GPU") {
		t.Errorf("a successful probe did not hand over to %s with %s set (exec %v); stderr:\n%s", CUDABinary, probedEnv, execd, e3.String())
	}
}

// Periodic evaluation runs beside training and lands in metrics.jsonl and
// the Prometheus gauges; the last step is always evaluated.
func TestPeriodicEvaluation(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the evaluation classifier (about 30 s)")
	}
	dir, cache := filepath.Join(t.TempDir(), "run"), t.TempDir()
	code, stdout, stderr := runMain(t, "train", "--preset", "tiny", "--steps", "30", "--eval-every", "10", "--eval-samples", "300",
		"--eval-at-end", "--cache-dir", cache, "--out", dir, "--listen", "", "--device", "cpu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The summary shows the last evaluation.
	for _, want := range []string{"Against real digits (300 samples)", "classifier score", "held-out real digits", "Frechet distance"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(train.RunDir(dir).Metrics())
	if err != nil {
		t.Fatal(err)
	}
	var last string
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"eval"`) {
			n++
			last = line
		}
	}
	if n == 0 || !strings.Contains(last, `"step":30`) || !strings.Contains(last, `"classifier_score"`) {
		t.Errorf("%d evaluation lines, last %q; want at least one, the last at step 30 with a classifier score", n, last)
	}
	for _, f := range []string{"losses.png", "progress.gif"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run report: %v", err)
		}
	}

	// --eval-at-end alone (the classifier now cached) evaluates the last
	// step only, without the Parzen estimate.
	dir = filepath.Join(t.TempDir(), "run")
	code, stdout, stderr = runMain(t, "train", "--preset", "tiny", "--steps", "12", "--eval-samples", "300",
		"--eval-at-end", "--cache-dir", cache, "--out", dir, "--listen", "", "--device", "cpu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Against real digits (300 samples)") || strings.Contains(stderr, "parzen") || strings.Count(stderr, "msg=evaluation ") != 1 {
		t.Errorf("--eval-at-end: want one evaluation, without Parzen, in the summary; stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if b, err = os.ReadFile(train.RunDir(dir).Metrics()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `"eval"`); n != 1 || !strings.Contains(string(b), `"parzen_test_points":0`) {
		t.Errorf("--eval-at-end: %d evaluation lines in metrics.jsonl, want one with parzen_test_points 0:\n%s", n, b)
	}
}

// A finished run pushes its final metrics to a real Pushgateway.
func TestPushGatewayAtEnd(t *testing.T) {
	base := testtools.StartPushgateway(t)
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runMain(t, "train", "--preset", "tiny", "--steps", "7", "--out", dir, "--listen", "", "--device", "cpu", "--push-gateway", base)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := testtools.GatewayMetrics(t, base)
	for _, want := range []string{`gan_train_last_step{`, `job="gan-train"`, `gan_train_discriminator_loss{`, `preset="tiny"`} {
		if !strings.Contains(got, want) {
			t.Errorf("gateway metrics lack %s", want)
		}
	}
}

func TestLapganTrainThenSample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lap")
	if code, _, stderr := runMain(t, "lapgan", "train", "--steps", "10", "--out", dir); code != 0 {
		t.Fatalf("lapgan train exited %d: %s", code, stderr)
	}
	idx := filepath.Join(t.TempDir(), "s.idx")
	if code, _, stderr := runMain(t, "lapgan", "sample", "--run", dir, "--n", "12", "--out", idx); code != 0 {
		t.Fatalf("lapgan sample exited %d: %s", code, stderr)
	}
	ds, err := data.ReadImagesFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 12 || ds.H != 28 {
		t.Errorf("%d images of %dx%d, want 12 of 28x28", ds.N, ds.H, ds.W)
	}
	if code, _, stderr := runMain(t, "lapgan", "sample", "--run", filepath.Join(t.TempDir(), "none"), "--out", idx); code != 1 || !strings.Contains(stderr, "none") {
		t.Errorf("sampling a missing run: exit %d, %s", code, stderr)
	}
}

// In the CUDA build a device that fails its check means no GPU; one that
// passes is opened once and checked on the backend that trains (no second
// probe); after the CPU build's child probe handed over, it is opened
// without a check at all.
func TestCUDABuildOpensOnce(t *testing.T) {
	var opens, checked, probes int
	checkErr := errors.New("device 0 is in an unusable state")
	cuda := &CUDA{
		Probe: func() (string, error) { probes++; return "NVIDIA test GPU", nil },
		Open:  func(int) (model.Backend, error) { opens++; return cpu.New(cpu.Options{}), nil },
		OpenChecked: func(int) (model.Backend, string, error) {
			checked++
			if checkErr != nil {
				return nil, "", checkErr
			}
			return cpu.New(cpu.Options{}), "NVIDIA test GPU", nil
		},
	}
	var e bytes.Buffer
	vars := map[string]string{}
	env := Env{Stdout: io.Discard, Stderr: &e, Getenv: func(k string) string { return vars[k] }, CUDA: cuda}
	dir := t.TempDir()
	train := func(name string, extra ...string) int {
		e.Reset()
		opens, checked, probes = 0, 0, 0
		args := append([]string{"train", "--preset", "tiny", "--steps", "1", "--out", filepath.Join(dir, name), "--listen", ""}, extra...)
		return Main(context.Background(), args, env)
	}
	if code := train("a"); code != 0 || checked != 1 || opens != 0 || !strings.Contains(e.String(), "device="+DeviceCPUFallback) {
		t.Errorf("auto, failing check: exit %d, %d checked opens, %d plain, stderr:\n%s\nwant 0, 1, 0, and the fallback device", code, checked, opens, e.String())
	}
	if code := train("b", "--device", "cuda"); code != 1 || !strings.Contains(e.String(), "unusable state") {
		t.Errorf("cuda, failing check: exit %d, stderr:\n%s\nwant 1 and the check's reason", code, e.String())
	}
	checkErr = nil
	if code := train("c"); code != 0 || checked != 1 || opens != 0 || probes != 0 || !strings.Contains(e.String(), "device="+DeviceCUDA0) {
		t.Errorf("working device: exit %d, %d checked opens, %d plain, %d probes, stderr:\n%s\nwant 0, 1, 0, 0, device %s", code, checked, opens, probes, e.String(), DeviceCUDA0)
	}
	vars[probedEnv] = "cuda: device 0 NVIDIA handed-over GPU"
	if code := train("d"); code != 0 || checked != 0 || opens != 1 || probes != 0 || !strings.Contains(e.String(), "handed-over GPU") {
		t.Errorf("after the child probe: exit %d, %d checked opens, %d plain, %d probes, stderr:\n%s\nwant 0, 0, 1, 0 and the child's description", code, checked, opens, probes, e.String())
	}
}

// The CPU build's version shows what the CUDA build says of its devices.
func TestVersionAsksTheCUDABuild(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, CUDABinary)
	script := "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'build: cuda'; echo 'device 0: Test GPU, 80 GiB, compute capability 9.0'; fi\nexit 0\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var o bytes.Buffer
	env := Env{Stdout: &o, Stderr: io.Discard, Getenv: func(string) string { return "" }, Executable: filepath.Join(dir, "gan-train"),
		Exec: func(string, []string, []string) error { return nil }}
	if code := Main(context.Background(), []string{"version"}, env); code != 0 || !strings.Contains(o.String(), "compute capability 9.0") {
		t.Errorf("exit %d, output:\n%s\nwant the CUDA build's device line", code, o.String())
	}
}

// Minibatch discrimination's settings come from flags and from the YAML
// keys of their Config tags, and an incomplete setting is a usage error
// naming it.
func TestMinibatchFlags(t *testing.T) {
	var e bytes.Buffer
	cfg, err := parseTrainArgs([]string{"--preset", "tiny", "--d-minibatch-kernels", "10", "--d-minibatch-dims", "3"}, Env{Stderr: &e})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DMinibatchKernels != 10 || cfg.DMinibatchDims != 3 {
		t.Errorf("flags gave %d kernels of %d dims, want 10 of 3", cfg.DMinibatchKernels, cfg.DMinibatchDims)
	}
	cfgPath := writeFile(t, filepath.Join(t.TempDir(), "run.yaml"), []byte("preset: tiny\nd_minibatch_kernels: 100\nd_minibatch_dims: 5\n"))
	if cfg, err = parseTrainArgs([]string{"--config", cfgPath}, Env{Stderr: &e}); err != nil {
		t.Fatal(err)
	}
	if cfg.DMinibatchKernels != 100 || cfg.DMinibatchDims != 5 {
		t.Errorf("YAML gave %d kernels of %d dims, want 100 of 5", cfg.DMinibatchKernels, cfg.DMinibatchDims)
	}
	_, err = parseTrainArgs([]string{"--preset", "tiny", "--d-minibatch-dims", "5"}, Env{Stderr: &e})
	if err == nil || !strings.Contains(err.Error(), "d-minibatch-dims") {
		t.Errorf("dims without kernels: error %v, want one naming d-minibatch-dims", err)
	}
}

// A run with --g-ema samples its average by default and its last weights
// with --raw-weights; --raw-weights has no meaning for a samples file.
func TestSampleAveragedOrRawWeights(t *testing.T) {
	dir := tinyRun(t, "--g-ema", "0.9", "--steps", "12")
	tmp := t.TempDir()
	var got [2][]byte
	for i, extra := range [][]string{nil, {"--raw-weights"}} {
		out := filepath.Join(tmp, fmt.Sprintf("s%d.idx", i))
		args := append([]string{"sample", "--run", dir, "--n", "16", "--out", out}, extra...)
		if code, _, stderr := runMain(t, args...); code != 0 {
			t.Fatalf("%v exited %d: %s", args, code, stderr)
		}
		got[i], _ = os.ReadFile(out)
	}
	if len(got[0]) == 0 || bytes.Equal(got[0], got[1]) {
		t.Errorf("samples of the average and of the last weights: %d and %d bytes, equal %v; want different images", len(got[0]), len(got[1]), bytes.Equal(got[0], got[1]))
	}
	idx := filepath.Join(tmp, "s0.idx")
	if code, _, stderr := runMain(t, "eval", "--samples", idx, "--raw-weights"); code != 2 || !strings.Contains(stderr, "--raw-weights") {
		t.Errorf("eval --samples --raw-weights exited %d with %q, want 2 and a message naming --raw-weights", code, stderr)
	}
}

// The hand-over replaces a value the CPU build inherited: a process keeps
// the first of two entries of one name, which would be the stale one.
func TestWithProbedReplacesInherited(t *testing.T) {
	got := withProbed([]string{"A=1", probedEnv + "=stale", "B=2"}, "fresh")
	want := []string{"A=1", "B=2", probedEnv + "=fresh"}
	if !slices.Equal(got, want) {
		t.Errorf("withProbed = %q, want %q", got, want)
	}
}

// Every subcommand refuses a positional argument with exit 2, naming it,
// before it reads or writes anything.
func TestSubcommandsRefusePositionalArguments(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"train", "--out", filepath.Join(dir, "t"), "extra"},
		{"sample", "--run", dir, "--out", filepath.Join(dir, "s.png"), "extra"},
		{"eval", "--run", dir, "extra"},
		{"lapgan", "train", "--out", filepath.Join(dir, "l"), "extra"},
		{"lapgan", "sample", "--run", dir, "--out", filepath.Join(dir, "l.png"), "extra"},
	} {
		code, _, stderr := runMain(t, args...)
		if code != ExitUsage || !strings.Contains(stderr, `unexpected argument "extra"`) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming the argument", args, code, stderr, ExitUsage)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("a refused command wrote %v", left)
	}
}

// sample refuses more grid columns than samples (a grid of 4 samples in
// 30,000,000 columns would be a 1.8 GB row of border) and negative ones.
func TestSampleRefusesColumnsBeyondSamples(t *testing.T) {
	dir := t.TempDir()
	for _, cols := range []string{"5", "-1", "30000000"} {
		code, _, stderr := runMain(t, "sample", "--run", dir, "--n", "4", "--cols", cols, "--out", filepath.Join(dir, "s.png"))
		if code != ExitUsage || !strings.Contains(stderr, "cols "+cols) {
			t.Errorf("--n 4 --cols %s: exit %d, stderr %q; want a usage error naming cols", cols, code, stderr)
		}
	}
}

// A self-conditioned run (--clusters) trains on unlabelled-style settings,
// logs its clusters, and samples one cluster with --label; a cluster it
// does not have, or clusters on a conditional run, are refused with the
// setting named.
func TestSelfConditionedTrainThenSample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runMain(t, "train", "--preset", "tiny", "--steps", "4", "--clusters", "5", "--out", dir, "--listen", "", "--device", "cpu")
	if code != 0 {
		t.Fatalf("train --clusters 5 exited %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "clusters=5") {
		t.Errorf("the run's log does not report its 5 clusters:\n%s", stderr)
	}
	if strings.Contains(stderr, "--clusters 50") {
		t.Errorf("a tiny run with clusters is told to use --clusters 50:\n%s", stderr)
	}
	// An unconditional quality run without clusters is pointed at them.
	_, _, stderr = runMain(t, "train", "--preset", "quality", "--conditional=false", "--steps", "1", "--out", t.TempDir(), "--listen", "", "--device", "cpu")
	if !strings.Contains(stderr, "--clusters 50") {
		t.Errorf("an unconditional quality run is not pointed at --clusters 50:\n%s", stderr)
	}
	png := filepath.Join(t.TempDir(), "c.png")
	if code, _, stderr := runMain(t, "sample", "--run", dir, "--n", "4", "--label", "4", "--out", png); code != 0 {
		t.Errorf("sample --label 4 of 5 clusters exited %d: %s", code, stderr)
	}
	if code, _, stderr := runMain(t, "sample", "--run", dir, "--n", "4", "--label", "5", "--out", png); code == 0 || !strings.Contains(stderr, "clusters 0-4") {
		t.Errorf("sample --label 5 of 5 clusters: exit %d, stderr %q; want a refusal naming clusters 0-4", code, stderr)
	}
	code, _, stderr = runMain(t, "train", "--preset", "quality", "--steps", "2", "--clusters", "5", "--out", t.TempDir(), "--listen", "", "--device", "cpu")
	if code == 0 || !strings.Contains(stderr, "--conditional=false") {
		t.Errorf("clusters on the conditional preset: exit %d, stderr %q; want a refusal pointing at --conditional=false", code, stderr)
	}
	cfgPath := writeFile(t, filepath.Join(t.TempDir(), "run.yaml"), []byte("preset: tiny\ncluster_sizes: [3, 4]\n"))
	if code, _, stderr := runMain(t, "train", "--config", cfgPath, "--out", t.TempDir(), "--listen", ""); code == 0 || !strings.Contains(stderr, "cluster_sizes") {
		t.Errorf("cluster_sizes in a config file: exit %d, stderr %q; want it refused as an unknown key", code, stderr)
	}
}
