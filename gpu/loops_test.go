//go:build cuda || cudaemu

package gpu

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/eval"
	"gan-train/internal/lapgan"
	"gan-train/model"
)

// The step engine (internal/loop) records each loop's step once and
// replays it on this backend; TestTrainerAgreement covers the GAN
// trainer. These cover the two other loops that run on it, whose steps
// differ in what they record: a LAPGAN level (nothing baked in, gathers
// on the device) and the digit classifier (a batch uploaded before each
// replay, a learning rate per epoch, and each epoch's shorter last batch
// recorded beside the full one). Each trains on this backend and on the
// CPU backend and compares what the two learnt.

func TestClassifierAgreement(t *testing.T) {
	tr, te := digitImages(t)
	// 200 images in batches of 64: three full batches and a tail of 8 an
	// epoch, two learning rates
	cfg := eval.ClassifierConfig{Hidden: []int{32}, Epochs: 2, Batch: 64, LR: 2e-3, Shift: 1, Seed: 3, MaxTrain: 200}
	quiet := slog.New(slog.DiscardHandler)
	var probs [2][]float64
	test := te.Slice(0, 200)
	for i, be := range []model.Backend{open(t), cpu.New(cpu.Options{})} {
		c, err := eval.TrainClassifier(context.Background(), be, tr, eval.Images{}, cfg, quiet)
		if err != nil {
			t.Fatalf("%s: TrainClassifier: %v", be.Name(), err)
		}
		// predictions on the CPU, so that only the training differs
		p, err := c.Predict(context.Background(), cpu.New(cpu.Options{}), test, false)
		if err != nil {
			t.Fatal(err)
		}
		probs[i] = p.Probs
	}
	worst := 0.0
	for i := range probs[0] {
		worst = max(worst, math.Abs(probs[0][i]-probs[1][i]))
	}
	// Eight Adam steps of at most 2e-3 from the same start: a wrong batch,
	// a stale learning rate or a skipped tail moves probabilities by far more.
	if worst > 1e-2 || math.IsNaN(worst) {
		t.Errorf("class probabilities of 200 test digits differ by up to %v", worst)
	} else {
		t.Logf("class probabilities differ by at most %.3g", worst)
	}
}

func TestLapganAgreement(t *testing.T) {
	ds, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	images := ds.Head(256).Floats(data.Scale01)
	cfg := lapgan.DefaultConfig()
	cfg.Levels = []lapgan.LevelConfig{
		{Latent: 8, GHidden: []int{16}, DHidden: []int{16}, Steps: 5},
		{Latent: 8, GHidden: []int{16}, DHidden: []int{16}, Steps: 5},
		{Latent: 8, GHidden: []int{16}, DHidden: []int{16}, Steps: 5},
	}
	cfg.Batch, cfg.LogEvery = 32, 0
	var samples [2][]float32
	for i, be := range []model.Backend{open(t), cpu.New(cpu.Options{})} {
		dir := t.TempDir()
		if err := lapgan.Train(context.Background(), be, cfg, images, dir, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatalf("%s: Train: %v", be.Name(), err)
		}
		s, err := lapgan.Load(filepath.Join(dir, lapgan.CheckpointName))
		if err != nil {
			t.Fatal(err)
		}
		if samples[i], err = s.Sample(cpu.New(cpu.Options{}), 32, 7); err != nil {
			t.Fatal(err)
		}
	}
	worst := 0.0
	for i := range samples[0] {
		worst = max(worst, math.Abs(float64(samples[0][i])-float64(samples[1][i])))
	}
	if worst > 1e-2 || math.IsNaN(worst) {
		t.Errorf("samples after 5 steps a level differ by up to %v", worst)
	} else {
		t.Logf("samples after 5 steps a level differ by at most %.3g", worst)
	}
}

func digitImages(t *testing.T) (train, test eval.Images) {
	t.Helper()
	var out [2]eval.Images
	for i, split := range []string{"train", "test"} {
		d, err := data.Embedded(split)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = eval.FromDataset(d); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1]
}
