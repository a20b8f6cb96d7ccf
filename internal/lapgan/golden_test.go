package lapgan

import (
	"context"
	"path/filepath"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/golden"
	"gan-train/model"
)

// TestGoldenRun pins what a short fixed-seed LAPGAN run computes on the
// CPU, as train's TestGoldenRuns does for the GAN trainer: the hashes were
// recorded from commit 0eb54bf, before issue 11's redesign of the backend
// contract, which must leave every bit unchanged. They hold for
// cpu.AVX2GEMM; an intended change of results re-records them and says why:
// they were re-recorded for issue 14's float32 sigmoid and tanh (internal/cpu/act.go;
// see train's TestGoldenRuns).
func TestGoldenRun(t *testing.T) {
	be := cpu.New(cpu.Options{GEMM: cpu.AVX2GEMM})
	if be.GEMM() != cpu.AVX2GEMM {
		t.Skipf("the golden hashes are of the AVX2 GEMM; this CPU runs %v", be.GEMM())
	}
	const (
		wantCheckpoint = "250fa5056ac292fa1ca386006dcbb2d56005c8a855a291b9c96e4416e40fbffc"
		wantSamples    = "adf57b602b8f2bce0584f677dbb48fbebdbbee4f1095eb71b0762e687e25e14a"
	)
	images := trainImages(t, 1024)
	cfg := DefaultConfig()
	cfg.Levels = []LevelConfig{
		{Latent: 16, GHidden: []int{48}, DHidden: []int{40}, Steps: 120},
		{Latent: 12, GHidden: []int{32, 24}, DHidden: []int{32}, Steps: 100},
		{Latent: 8, GHidden: []int{24}, DHidden: []int{24}, Steps: 100},
	}
	cfg.Batch, cfg.LogEvery = 32, 0
	// the optimiser the hashes were recorded with (DefaultConfig's until
	// its learning rate rose to 5e-4)
	cfg.GAdam = model.Adam{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
	cfg.DAdam = cfg.GAdam
	dir := t.TempDir()
	if err := Train(context.Background(), be, cfg, images, dir, nil); err != nil {
		t.Fatalf("Train: %v", err)
	}
	path := filepath.Join(dir, CheckpointName)
	ck, _, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := golden.Checkpoint(ck); got != wantCheckpoint {
		t.Errorf("checkpoint: hash %s, want %s", got, wantCheckpoint)
	}
	samples := goldenSamples(t, be, path)
	if got := golden.Floats(samples); got != wantSamples {
		t.Errorf("64 samples of seed 7: hash %s, want %s", got, wantSamples)
	}
}

// goldenSamples draws 64 images through the chain of the checkpoint at path.
func goldenSamples(t *testing.T, be model.Backend, path string) []float32 {
	t.Helper()
	s, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	x, err := s.Sample(be, 64, 7)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	return x
}
