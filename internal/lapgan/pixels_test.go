package lapgan

import (
	"context"
	"maps"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/model"
)

// digits returns the first n embedded training digits.
func digits(t *testing.T, n int) *data.Dataset {
	t.Helper()
	d, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	return d.Head(n)
}

// TestTrainPixelsMatchesFloats: training on the bytes (GatherBytes through
// data.Scale01's table) writes the checkpoint that training on their float32
// values writes, bit for bit, with each data's fingerprint in it.
func TestTrainPixelsMatchesFloats(t *testing.T) {
	d := digits(t, 256)
	cfg := smallConfig([Levels]int{3, 3, 3})
	be := cpu.New(cpu.Options{})
	floats, pixels := t.TempDir(), t.TempDir()
	if err := Train(context.Background(), be, cfg, d.Floats(data.Scale01), floats, nil); err != nil {
		t.Fatalf("Train: %v", err)
	}
	if err := TrainPixels(context.Background(), be, cfg, d.Pixels, "", pixels, nil); err != nil {
		t.Fatalf("TrainPixels: %v", err)
	}
	a, err := model.ReadCheckpointFile(filepath.Join(floats, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.ReadCheckpointFile(filepath.Join(pixels, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(a.Arrays, b.Arrays, func(x, y []float32) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
		return true
	}) {
		t.Errorf("the checkpoint trained on the bytes differs from the one trained on their float32 values")
	}
	if got, want := a.Header.DataSHA256, data.FloatsFingerprint(d.Floats(data.Scale01), nil); got != want {
		t.Errorf("float checkpoint's data fingerprint = %q, want %q", got, want)
	}
	if got, want := b.Header.DataSHA256, data.PixelsFingerprint(d.Pixels, nil); got != want {
		t.Errorf("pixel checkpoint's data fingerprint = %q, want %q", got, want)
	}
}

// TestResumeChecksData: a run directory trained on some data refuses to be
// extended with other data, naming both fingerprints and --fresh.
func TestResumeChecksData(t *testing.T) {
	d := digits(t, 64)
	cfg := smallConfig([Levels]int{1, 1, 1})
	be := cpu.New(cpu.Options{})
	dir := t.TempDir()
	if err := TrainPixels(context.Background(), be, cfg, d.Pixels, "fp-one", dir, nil); err != nil {
		t.Fatalf("TrainPixels: %v", err)
	}
	if err := TrainPixels(context.Background(), be, cfg, d.Pixels, "fp-one", dir, nil); err != nil {
		t.Errorf("TrainPixels again with the same data: %v", err)
	}
	err := TrainPixels(context.Background(), be, cfg, d.Pixels, "fp-two", dir, nil)
	if err == nil {
		t.Fatal("TrainPixels with other data into the run: no error")
	}
	for _, want := range []string{"fp-one", "fp-two", "--fresh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("TrainPixels with other data: error %q does not name %s", err, want)
		}
	}
	if err := Train(context.Background(), be, cfg, d.Floats(data.Scale01), dir, nil); err == nil || !strings.Contains(err.Error(), "fp-one") {
		t.Errorf("Train on float32 data into a run trained on fp-one: error %v, want one naming fp-one", err)
	}
}
