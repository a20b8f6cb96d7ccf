package eval

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
)

// TestFullScaleFloor runs the whole evaluation at its default size: the
// default classifier (cached under GAN_TRAIN_EVAL_CACHE, else a temporary
// directory), the real-data floor, and 10,000 "samples" made of training
// digits each moved by one pixel in a random direction (a generator that
// nearly memorised its data; exact copies would put a kernel centre on
// every Parzen validation digit and drive sigma to its smallest candidate).
// Only with GAN_TRAIN_LONG=1 and without -short.
func TestFullScaleFloor(t *testing.T) {
	if testing.Short() || os.Getenv("GAN_TRAIN_LONG") == "" {
		t.Skip("set GAN_TRAIN_LONG=1 (and omit -short) for the full-scale evaluation")
	}
	ctx := context.Background()
	be := cpu.New(cpu.Options{})
	train, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.Embedded("test")
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("GAN_TRAIN_EVAL_CACHE")
	if dir == "" {
		dir = t.TempDir()
	}
	t0 := time.Now()
	ref, err := Prepare(ctx, be, dir, "digits", train, test, ClassifierConfig{}, Options{}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("classifier and reference: %v (accuracy %.4f)", time.Since(t0), ref.Classifier().TestAccuracy)
	t0 = time.Now()
	floor, err := ref.Floor(ctx, be)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("floor: %v: %+v", time.Since(t0), floor)
	tr := ref.train
	pix := make([]float32, 10000*tr.D)
	for i := 0; i < 10000; i++ {
		j := i % tr.N
		dx, dy := []int{1, -1, 0, 0}[i%4], []int{0, 0, 1, -1}[i%4]
		translate(pix[i*tr.D:(i+1)*tr.D], tr.Pix[j*tr.D:(j+1)*tr.D], 28, dx, dy)
	}
	gen, err := FromFloats(pix, 10000, tr.D)
	if err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	rep, err := ref.Evaluate(ctx, be, gen)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("evaluation of 10,000 samples: %v\n%s", time.Since(t0), rep)
	if rep.ModesCovered != 10 || floor.ModesCovered != 10 {
		t.Errorf("modes covered: memorised %d, floor %d; want 10 and 10", rep.ModesCovered, floor.ModesCovered)
	}
	if floor.ClassifierScore < 9 {
		t.Errorf("real test digits score %.3f, want >= 9 with a 97%% classifier", floor.ClassifierScore)
	}
}
