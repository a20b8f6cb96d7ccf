//go:build long

package lapgan

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/testtools"
	"gan-train/train"
)

// TestLongDefault trains DefaultConfig on all embedded training digits and
// writes ../bench/artifacts/lapgan.png (64 samples) and lapgan-chain.png
// (the coarse-to-fine chain of 16 samples: each row of three shows the
// 7x7, 14x14 and 28x28 images, enlarged by pixel repetition).
//
//	go test -tags long -run TestLongDefault -timeout 60m -v ./internal/lapgan/
func TestLongDefault(t *testing.T) {
	d, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	images := d.Floats(data.Scale01)
	be := cpu.New(cpu.Options{})
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	start := time.Now()
	if err := Train(context.Background(), be, DefaultConfig(), images, dir, log); err != nil {
		t.Fatalf("Train: %v", err)
	}
	t.Logf("trained the default config in %v", time.Since(start).Round(time.Second))
	s, err := Load(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	const n = 2000
	lv, err := s.SampleLevels(be, n, 1)
	if err != nil {
		t.Fatalf("SampleLevels: %v", err)
	}
	for l := Levels - 1; l >= 0; l-- {
		p := Side(l) * Side(l)
		real := pyramidOf(images, l)
		t.Logf("level %d (%dx%d): pixel histogram L1 distance to real %.3f, mean-image correlation %.3f, mean pixel %.3f (real %.3f)",
			l, Side(l), Side(l), l1(histogram(lv[l]), histogram(real)),
			testtools.Correlation(meanImage(lv[l], p), meanImage(real, p)), mean(lv[l]), mean(real))
	}
	// the conditional levels on held-out digits' true coarse images
	test, err := data.Embedded("test")
	if err != nil {
		t.Fatal(err)
	}
	held := test.Floats(data.Scale01)
	m := len(held) / ImageSize
	for l := 1; l >= 0; l-- {
		fine, coarse := pyramidOf(held, l), pyramidOf(held, l+1)
		u := upsample(t, coarse, m, Side(l+1))
		y, err := s.Refine(be, l, coarse, 2)
		if err != nil {
			t.Fatalf("Refine: %v", err)
		}
		gen, want := make([]float64, len(y)), make([]float64, len(y))
		for i := range y {
			gen[i], want[i] = float64(y[i]-u[i]), float64(fine[i]-u[i])
		}
		t.Logf("level %d refining held-out digits: residual correlation %.3f, histogram distance %.3f (upsampling alone %.3f)",
			l, testtools.Correlation(gen, want), l1(histogram(y), histogram(fine)), l1(histogram(u), histogram(fine)))
	}

	out := filepath.Join("..", "bench", "artifacts")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	grid, err := train.GridPNG(lv[0][:64*ImageSize], 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "lapgan.png"), grid, 0o644); err != nil {
		t.Fatal(err)
	}
	chain := make([]float32, 0, 48*ImageSize)
	for r := 0; r < 16; r++ {
		for l := Levels - 1; l >= 0; l-- {
			side, k := Side(l), ImageSide/Side(l)
			img := make([]float32, ImageSize)
			for i := 0; i < ImageSide; i++ {
				for j := 0; j < ImageSide; j++ {
					img[i*ImageSide+j] = lv[l][r*side*side+(i/k)*side+j/k]
				}
			}
			chain = append(chain, img...)
		}
	}
	grid, err = train.GridPNG(chain, 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "lapgan-chain.png"), grid, 0o644); err != nil {
		t.Fatal(err)
	}
}
