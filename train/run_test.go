package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/runlock"
	"gan-train/model"
)

func digits(t testing.TB, n int) []float32 {
	t.Helper()
	ds, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	return ds.Head(n).Floats(data.Scale01)
}

func tinyConfig(steps int64) Config {
	c, _ := Preset("tiny")
	c.Steps, c.LogEvery, c.SampleEvery, c.CheckpointEvery = steps, 1, 1000, 1000
	return c
}

func readLog(t *testing.T, dir string) []Stats {
	t.Helper()
	f, err := os.Open(RunDir(dir).Metrics())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Stats
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s Stats
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		out = append(out, s)
	}
	return out
}

func sameTrajectory(t *testing.T, got, want []Stats) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d logged steps, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Step != w.Step || g.DLoss != w.DLoss || g.GLoss != w.GLoss || g.DReal != w.DReal ||
			g.DFake != w.DFake || g.GradNormD != w.GradNormD || g.GradNormG != w.GradNormG || g.Epoch != w.Epoch {
			t.Fatalf("step %d differs:\n got %+v\nwant %+v", w.Step, g, w)
		}
	}
}

// A run stopped at step s and resumed gives bit-identical losses to an
// uninterrupted run, whatever the worker count of the CPU backend.
func TestResumeIsBitIdentical(t *testing.T) {
	imgs := digits(t, 700) // 21 batches of 32: epochs roll over inside the run
	const total = 60
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), tinyConfig(total), RunOptions{Dir: full, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	want := readLog(t, full)
	if len(want) != total {
		t.Fatalf("uninterrupted run logged %d steps, want %d", len(want), total)
	}

	// Stopped by its context at step 23 (as SIGINT does), then resumed on another worker count.
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 23 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{Workers: 3}), tinyConfig(total), opts); err != nil {
		t.Fatal(err)
	}
	ck, err := model.ReadCheckpointFile(RunDir(split).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if ck.Header.Step != 23 {
		t.Fatalf("interrupted run checkpointed step %d, want 23", ck.Header.Step)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 2}), tinyConfig(total), RunOptions{Dir: split, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, split), want)

	// The final grids agree byte for byte too.
	a, _ := os.ReadFile(RunDir(full).FinalSample())
	b, _ := os.ReadFile(RunDir(split).FinalSample())
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("final sample grids differ (%d and %d bytes)", len(a), len(b))
	}
}

func TestFreshIgnoresCheckpoint(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(5), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(5), RunOptions{Dir: dir, Images: imgs, Fresh: true}); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, dir); len(got) != 5 || got[0].Step != 1 {
		t.Errorf("fresh run logged %d lines starting at step %v, want 5 from step 1", len(got), got[0].Step)
	}
}

func TestCheckpointOfAnotherArchitecture(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(3), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	c := tinyConfig(6)
	c.GHidden = []int{48}
	err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: imgs})
	if err == nil || !strings.Contains(err.Error(), "another architecture") {
		t.Fatalf("error %v, want one about another architecture", err)
	}
}

func TestCorruptCheckpointIsAnError(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(3), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	p := RunDir(dir).Checkpoint()
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 0xff
	os.WriteFile(p, b, 0o644)
	err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(6), RunOptions{Dir: dir, Images: imgs})
	if err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("error %v, want a checksum error", err)
	}
}

// A learning rate large enough to blow the networks up stops the run with
// an error naming the step, and leaves the last good checkpoint intact.
func TestNonFiniteStopsWithStep(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(4), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	c := tinyConfig(200)
	c.CheckpointEvery = 1
	c.DAdam.LR, c.GAdam.LR = 1e38, 1e38
	c.OnDivergence = OnDivergenceStop
	err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: imgs})
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "step ") {
		t.Fatalf("error %v, want a non-finite error naming the step", err)
	}
	t.Log(err)
	ck, cerr := model.ReadCheckpointFile(RunDir(dir).Checkpoint())
	if cerr != nil {
		t.Fatalf("last good checkpoint unreadable: %v", cerr)
	}
	for name, a := range ck.Arrays {
		for _, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("checkpoint array %s holds %v", name, v)
			}
		}
	}
}

func TestValidateNamesSetting(t *testing.T) {
	cases := []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Batch = 0 }, "batch 0"},
		{func(c *Config) { c.Steps = -1 }, "steps -1"},
		{func(c *Config) { c.DAdam.LR = 0 }, "d-lr"},
		{func(c *Config) { c.GAdam.LR = -1 }, "g-lr"},
		{func(c *Config) { c.GHidden = []int{0} }, "g-hidden width"},
		{func(c *Config) { c.DHiddenAct = "swish" }, "d-hidden-act"},
		{func(c *Config) { c.Prior = "cauchy" }, "prior"},
		{func(c *Config) { c.GLoss = "wasserstein" }, "g-loss"},
		{func(c *Config) { c.LabelSmoothing = 1 }, "label-smoothing"},
	}
	for _, tc := range cases {
		c, _ := Preset("edward")
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %q", err, tc.want)
		}
	}
	if _, err := Preset("nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown preset error %v, want one naming it", err)
	}
}

func TestResumeRefusesChangedSettings(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(3), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	c := tinyConfig(6)
	c.Binarize, c.LabelSmoothing = false, 0.1
	err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: imgs})
	if err == nil || !strings.Contains(err.Error(), "binarize true, now false") || !strings.Contains(err.Error(), "label-smoothing") {
		t.Fatalf("error %v, want one naming binarize and label-smoothing", err)
	}
	// A longer run with a lower learning rate is a legitimate resume.
	c = tinyConfig(6)
	c.GAdam.LR /= 10
	if err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatalf("resuming with more steps and a lower learning rate: %v", err)
	}
}

// --fresh drops the old checkpoint as soon as the new run is set up, so a
// crash before its first checkpoint cannot resume the old run.
func TestFreshRemovesOldCheckpoint(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(3), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	stillThere := true
	hooks := Hooks{Started: func(*Trainer, int64) {
		_, err := os.Stat(RunDir(dir).Checkpoint())
		stillThere = err == nil
	}}
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(3), RunOptions{Dir: dir, Images: imgs, Fresh: true, Hooks: hooks}); err != nil {
		t.Fatal(err)
	}
	if stillThere {
		t.Error("the old checkpoint was still there when the fresh run started training")
	}
}

// A second writer on a run directory is refused, naming the holder, and
// touches nothing: the first run's checkpoint and metrics stay as they were.
func TestSecondWriterRefused(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(4), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	ck := RunDir(dir).Checkpoint()
	before, _ := os.ReadFile(ck)
	metricsBefore, _ := os.ReadFile(RunDir(dir).Metrics())
	held, err := runlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	for _, fresh := range []bool{false, true} {
		err = Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(8), RunOptions{Dir: dir, Images: imgs, Fresh: fresh})
		if !errors.Is(err, runlock.ErrHeld) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
			t.Fatalf("Run (fresh %v) on a locked directory: %v, want a refusal naming PID %d", fresh, err, os.Getpid())
		}
	}
	after, _ := os.ReadFile(ck)
	metricsAfter, _ := os.ReadFile(RunDir(dir).Metrics())
	if !bytes.Equal(before, after) || !bytes.Equal(metricsBefore, metricsAfter) {
		t.Error("a refused run changed the checkpoint or metrics.jsonl")
	}
}

// A resume checks the data by content: other images under the same
// --data string are refused, the same images under another spelling are
// accepted, and the checkpoint carries the fingerprint.
func TestResumeChecksDataFingerprint(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	cfg := tinyConfig(4)
	cfg.Data = "a/images-idx3-ubyte"
	if err := Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: dir, Images: imgs, DataFingerprint: "aaa"}); err != nil {
		t.Fatal(err)
	}
	ck, err := model.ReadCheckpointFile(RunDir(dir).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if ck.Header.DataSHA256 != "aaa" {
		t.Fatalf("checkpoint data fingerprint %q, want %q", ck.Header.DataSHA256, "aaa")
	}
	cfg.Steps = 6
	err = Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: dir, Images: imgs, DataFingerprint: "bbb"})
	if !errors.Is(err, ErrOtherData) || !strings.Contains(err.Error(), "aaa") || !strings.Contains(err.Error(), "bbb") {
		t.Fatalf("resume on other data: %v, want ErrOtherData naming both fingerprints", err)
	}
	cfg.Data = "./a/../a/images-idx3-ubyte"
	if err := Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: dir, Images: imgs, DataFingerprint: "aaa"}); err != nil {
		t.Fatalf("resume on the same data under another path: %v", err)
	}
	if got := readLog(t, dir); len(got) != 6 || got[5].Step != 6 {
		t.Fatalf("resumed run logged %d steps, want 6", len(got))
	}
}

// Without a fingerprint from the caller, Run fingerprints the floats, so
// changed images are still noticed.
func TestResumeFingerprintsFloats(t *testing.T) {
	imgs := digits(t, 200)
	dir := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(2), RunOptions{Dir: dir, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	other := append([]float32(nil), imgs...)
	other[5] = 0.5
	err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(4), RunOptions{Dir: dir, Images: other})
	if !errors.Is(err, ErrOtherData) {
		t.Fatalf("resume with one pixel changed: %v, want ErrOtherData", err)
	}
}

// Training from 8-bit pixels (no float32 copy on the host) computes exactly
// what training from their float32 images does.
func TestPixelsTrainLikeFloats(t *testing.T) {
	ds, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	ds = ds.Head(700) // more pixels than one upload slice
	a, b := t.TempDir(), t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(12), RunOptions{Dir: a, Images: ds.Floats(data.Scale01), Labels: ds.Labels}); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(12), RunOptions{Dir: b, Pixels: ds.Pixels, Labels: ds.Labels}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, b), readLog(t, a))
}
