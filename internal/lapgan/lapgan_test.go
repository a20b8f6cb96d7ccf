package lapgan

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gan-train/internal/testtools"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
)

// trainImages returns the first n embedded training digits in [0,1].
func trainImages(t *testing.T, n int) []float32 {
	t.Helper()
	d, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	return d.Head(n).Floats(data.Scale01)
}

// pyramidOf reduces images (n, 784) on the host to level l with 2×2 means.
func pyramidOf(images []float32, l int) []float32 {
	x, side := images, ImageSide
	for k := 0; k < l; k++ {
		h := side / 2
		y := make([]float32, len(x)/4)
		for r := 0; r < len(x)/(side*side); r++ {
			for i := 0; i < h; i++ {
				for j := 0; j < h; j++ {
					a := x[r*side*side:]
					y[r*h*h+i*h+j] = (a[2*i*side+2*j] + a[2*i*side+2*j+1] + a[(2*i+1)*side+2*j] + a[(2*i+1)*side+2*j+1]) / 4
				}
			}
		}
		x, side = y, h
	}
	return x
}

// meanImage is the pixel-wise mean of images of p pixels.
func meanImage(x []float32, p int) []float64 {
	m := make([]float64, p)
	n := len(x) / p
	for i, v := range x {
		m[i%p] += float64(v) / float64(n)
	}
	return m
}

// histogram is the normalised 10-bin histogram of values in [0,1].
func histogram(x []float32) []float64 {
	h := make([]float64, 10)
	for _, v := range x {
		h[min(int(v*10), 9)] += 1 / float64(len(x))
	}
	return h
}

func l1(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s
}

// smallConfig is a LAPGAN small enough to train in seconds on a CPU.
func smallConfig(steps [Levels]int) Config {
	c := DefaultConfig()
	c.Levels = []LevelConfig{
		{Latent: 16, GHidden: []int{64}, DHidden: []int{64}, Steps: steps[0]},
		{Latent: 16, GHidden: []int{64}, DHidden: []int{64}, Steps: steps[1]},
		{Latent: 16, GHidden: []int{64}, DHidden: []int{64}, Steps: steps[2]},
	}
	c.Batch, c.LogEvery = 32, 0
	c.GAdam.LR, c.DAdam.LR = 1e-3, 1e-3
	return c
}

// TestLevelsLearn trains a small LAPGAN for a few hundred steps on the
// embedded digits and compares its samples with an untrained chain's.
func TestLevelsLearn(t *testing.T) {
	images := trainImages(t, 2000)
	be := cpu.New(cpu.Options{})
	ctx := context.Background()
	trained, untrained := t.TempDir(), t.TempDir()
	if err := Train(ctx, be, smallConfig([Levels]int{400, 400, 400}), images, trained, nil); err != nil {
		t.Fatalf("Train: %v", err)
	}
	if err := Train(ctx, be, smallConfig([Levels]int{0, 0, 0}), images, untrained, nil); err != nil {
		t.Fatalf("Train with no steps: %v", err)
	}
	const n = 1000
	sample := func(dir string) [Levels][]float32 {
		s, err := Load(filepath.Join(dir, CheckpointName))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		lv, err := s.SampleLevels(be, n, 7)
		if err != nil {
			t.Fatalf("SampleLevels: %v", err)
		}
		return lv
	}
	got, base := sample(trained), sample(untrained)
	for l := 0; l < Levels; l++ {
		if want := n * Side(l) * Side(l); len(got[l]) != want {
			t.Fatalf("level %d: %d values, want %d", l, len(got[l]), want)
		}
		for i, v := range got[l] {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("level %d value %d is %v, outside [0,1]", l, i, v)
			}
		}
	}

	real7 := meanImage(pyramidOf(images, 2), 49)
	if r := testtools.Correlation(meanImage(got[2], 49), real7); r < 0.8 {
		t.Errorf("7x7 level: correlation of the samples' mean image with the real mean image %.3f, want > 0.8", r)
	} else {
		t.Logf("7x7 level: mean-image correlation %.3f (untrained %.3f)", r, testtools.Correlation(meanImage(base[2], 49), real7))
	}
	for l := 1; l >= 0; l-- {
		hr := histogram(pyramidOf(images, l))
		dg, db := l1(histogram(got[l]), hr), l1(histogram(base[l]), hr)
		t.Logf("level %d (%dx%d): L1 distance of the pixel histogram to the real one: trained %.3f, untrained %.3f", l, Side(l), Side(l), dg, db)
		if !(dg < 0.6*db) {
			t.Errorf("level %d: trained chain's histogram distance %.3f is not below 0.6 times the untrained chain's %.3f", l, dg, db)
		}
	}
	for l := 1; l >= 0; l-- {
		p := Side(l) * Side(l)
		t.Logf("level %d: mean-image correlation %.3f, mean pixel %.3f (real %.3f)", l, testtools.Correlation(meanImage(got[l], p), meanImage(pyramidOf(images, l), p)),
			mean(got[l]), mean(pyramidOf(images, l)))
	}
	r28 := testtools.Correlation(meanImage(got[0], 784), meanImage(images, 784))
	t.Logf("28x28: mean-image correlation %.3f", r28)
}

func TestCheckpointRoundTrip(t *testing.T) {
	images := trainImages(t, 256)
	be := cpu.New(cpu.Options{})
	dir := t.TempDir()
	cfg := smallConfig([Levels]int{3, 3, 3})
	if err := Train(context.Background(), be, cfg, images, dir, nil); err != nil {
		t.Fatalf("Train: %v", err)
	}
	path := filepath.Join(dir, CheckpointName)
	ck, m, err := readCheckpoint(path)
	if err != nil {
		t.Fatalf("readCheckpoint: %v", err)
	}
	if want := []int{2, 1, 0}; !slices.Equal(m.Trained, want) {
		t.Errorf("trained levels %v, want %v", m.Trained, want)
	}
	if ck.Header.Step != 9 {
		t.Errorf("checkpoint step %d, want 9", ck.Header.Step)
	}
	// per level: both networks' weights and Adam moments, and the
	// generator's moving average, which sampling uses
	if got, want := len(ck.Arrays), Levels*(2*3+1); got != want {
		t.Errorf("checkpoint holds %d arrays, want %d", got, want)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for l := 0; l < Levels; l++ {
		avg, last := ck.Arrays[arrayName(l, "g", "avg_params")], ck.Arrays[arrayName(l, "g", "params")]
		if !slices.Equal(s.params[l], avg) || slices.Equal(avg, last) {
			t.Errorf("level %d: loaded generator parameters equal the average %v, average equals the last weights %v; want true, false",
				l, slices.Equal(s.params[l], avg), slices.Equal(avg, last))
		}
	}
	sr, err := LoadWeights(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sr.params[0], ck.Arrays[arrayName(0, "g", "params")]) {
		t.Error("LoadWeights(raw): level 0 generator differs from its last weights")
	}
	// Without averaging the checkpoint holds no average and sampling uses
	// the last weights.
	plain := t.TempDir()
	cfg0 := cfg
	cfg0.GEMA = 0
	if err := Train(context.Background(), be, cfg0, images, plain, nil); err != nil {
		t.Fatalf("Train without averaging: %v", err)
	}
	ck0, _, err := readCheckpoint(filepath.Join(plain, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	s0, err := Load(filepath.Join(plain, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(ck0.Arrays), Levels*2*3; got != want {
		t.Errorf("checkpoint without averaging holds %d arrays, want %d", got, want)
	}
	if !slices.Equal(s0.params[0], ck0.Arrays[arrayName(0, "g", "params")]) {
		t.Error("without averaging: loaded level 0 generator differs from its last weights")
	}
	if a, b := s.Config.Levels[1].GHidden, cfg.Levels[1].GHidden; !slices.Equal(a, b) {
		t.Errorf("loaded config level 1 g_hidden %v, want %v", a, b)
	}
	// the same seed gives the same images, also on another backend instance
	// with another worker count, and the first images do not depend on n
	a, err := s.Sample(be, 300, 3)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	b, err := s.Sample(cpu.New(cpu.Options{Workers: 1}), 5, 3)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	if !slices.Equal(a[:5*ImageSize], b) {
		t.Errorf("Sample(300, seed 3)[:5] differs from Sample(5, seed 3)")
	}
	c, err := s.Sample(be, 5, 4)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	if slices.Equal(b, c) {
		t.Errorf("seeds 3 and 4 gave the same images")
	}

	// training again into the same directory keeps the trained levels
	if err := Train(context.Background(), be, cfg, images, dir, nil); err != nil {
		t.Fatalf("Train into a finished run: %v", err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !slices.Equal(again.params[0], s.params[0]) {
		t.Errorf("a second Train into a finished run changed level 0")
	}
	// another configuration is refused
	other := cfg
	other.Seed = 99
	if err := Train(context.Background(), be, other, images, dir, nil); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("Train of another configuration into the run: error %v, want one naming another configuration", err)
	}
}

func TestLoadPartial(t *testing.T) {
	images := trainImages(t, 64)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := smallConfig([Levels]int{2, 2, 2})
	// cancel during level 1: level 2 is in the checkpoint, level 0 is not
	log := newCancelAfterLevel(cancel)
	err := Train(ctx, cpu.New(cpu.Options{}), cfg, images, dir, log)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("Train with a cancelled context: error %v, want context canceled", err)
	}
	_, err = Load(filepath.Join(dir, CheckpointName))
	if err == nil || !strings.Contains(err.Error(), "not trained") {
		t.Errorf("Load of a partial run: error %v, want one saying a level is not trained", err)
	}
}

func TestBadInput(t *testing.T) {
	be := cpu.New(cpu.Options{})
	good := trainImages(t, 64)
	dir := t.TempDir()
	bad := func(mod func(c *Config)) Config { c := smallConfig([Levels]int{1, 1, 1}); mod(&c); return c }
	cases := []struct {
		name   string
		cfg    Config
		images []float32
		want   string
	}{
		{"levels", bad(func(c *Config) { c.Levels = c.Levels[:2] }), good, "levels"},
		{"latent", bad(func(c *Config) { c.Levels[1].Latent = 0 }), good, "levels[1].latent"},
		{"width", bad(func(c *Config) { c.Levels[0].DHidden = []int{-3} }), good, "levels[0].d_hidden[0]"},
		{"batch", bad(func(c *Config) { c.Batch = 0 }), good, "batch"},
		{"act", bad(func(c *Config) { c.HiddenAct = "swish" }), good, "hidden_act"},
		{"lr", bad(func(c *Config) { c.GAdam.LR = 0 }), good, "g_adam"},
		{"g_ema", bad(func(c *Config) { c.GEMA = 1 }), good, "g_ema"},
		{"ragged", bad(func(*Config) {}), good[:700], "whole"},
		{"range", bad(func(*Config) {}), func() []float32 { x := slices.Clone(good); x[900] = 2; return x }(), "outside [0,1]"},
		{"few", bad(func(c *Config) { c.Batch = 65 }), good, "fewer than one batch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Train(context.Background(), be, c.cfg, c.images, dir, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, CheckpointName)); err == nil {
		t.Errorf("a failed Train wrote a checkpoint")
	}
	if _, err := Load(filepath.Join(dir, "missing.ckpt")); err == nil {
		t.Errorf("Load of a missing file: no error")
	}
	var s Sampler
	if _, err := s.Sample(be, 0, 1); err == nil {
		t.Errorf("Sample(0): no error")
	}
	if err := Train(context.Background(), nil, smallConfig([Levels]int{1, 1, 1}), good, dir, nil); !errors.Is(err, errNoBackend) {
		t.Errorf("Train without a backend: error %v, want %v", err, errNoBackend)
	}
}

// cancelHandler cancels a context when Train logs the start of level 1.
type cancelHandler struct{ cancel context.CancelFunc }

func (h cancelHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h cancelHandler) WithGroup(string) slog.Handler            { return h }
func (h cancelHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "lapgan level training" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "level" && a.Value.Int64() == 1 {
			h.cancel()
		}
		return true
	})
	return nil
}

func newCancelAfterLevel(cancel context.CancelFunc) *slog.Logger {
	return slog.New(cancelHandler{cancel})
}

func mean(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(len(x))
}

// upsample runs the CPU backend's Upsample2x on host images (rows, h*h).
func upsample(t *testing.T, c []float32, rows, h int) []float32 {
	t.Helper()
	be := cpu.New(cpu.Options{})
	src, err := be.Alloc(len(c))
	if err != nil {
		t.Fatal(err)
	}
	dst, err := be.Alloc(4 * len(c))
	if err != nil {
		t.Fatal(err)
	}
	if err := be.Upload(src, c); err != nil {
		t.Fatal(err)
	}
	be.Upsample2x(dst, src, rows, h, h, 1, 0)
	return cpu.Slice(dst)
}

// TestResidualLevelUsesCondition trains the 14x14 level alone (4000
// small steps: the conditional levels learn far more slowly than the 7x7
// one; at 1000 and 2000 steps the correlation was 0.06 and 0.10) and refines
// the 7x7 reductions of held-out digits with it: the residuals it adds
// must correlate with the digits' true residuals, which only a generator
// that reads its condition can achieve (an untrained one stays near 0).
func TestResidualLevelUsesCondition(t *testing.T) {
	images := trainImages(t, 2000)
	test, err := data.Embedded("test")
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	held := test.Head(n).Floats(data.Scale01)
	x14, x7 := pyramidOf(held, 1), pyramidOf(held, 2)
	u := upsample(t, x7, n, 7)
	realRes := make([]float64, len(x14))
	for i := range x14 {
		realRes[i] = float64(x14[i] - u[i])
	}
	be := cpu.New(cpu.Options{})
	corr := func(steps int) float64 {
		dir := t.TempDir()
		if err := Train(context.Background(), be, smallConfig([Levels]int{0, steps, 0}), images, dir, nil); err != nil {
			t.Fatalf("Train: %v", err)
		}
		s, err := Load(filepath.Join(dir, CheckpointName))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		y, err := s.Refine(be, 1, x7, 5)
		if err != nil {
			t.Fatalf("Refine: %v", err)
		}
		if len(y) != len(x14) {
			t.Fatalf("Refine returned %d values, want %d", len(y), len(x14))
		}
		res := make([]float64, len(y))
		for i := range y {
			res[i] = float64(y[i] - u[i])
		}
		return testtools.Correlation(res, realRes)
	}
	trained, untrained := corr(4000), corr(0)
	t.Logf("correlation of generated with true 14x14 residuals: trained %.3f, untrained %.3f", trained, untrained)
	if !(trained > 0.15 && trained > untrained+0.1) {
		t.Errorf("trained level's residual correlation %.3f, want > 0.15 and at least 0.1 above the untrained level's %.3f", trained, untrained)
	}
}
