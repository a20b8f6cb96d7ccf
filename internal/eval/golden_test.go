package eval

import (
	"context"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/golden"
)

// The classifier's golden run pins what TrainClassifier computes, bit for
// bit, as train's and lapgan's golden runs pin the GAN trainers: a small
// fixed-seed classifier whose training set is not a whole number of
// batches (so every epoch ends with a shorter batch) and which shifts its
// images. The hashes were recorded at commit cbc1aba, before the
// classifier's loop moved onto the shared step engine (internal/loop), and
// that is their independent reason: the move must not change a bit.
const (
	goldenClassifierParams = "b53e2967a978c668d4379b20c528e6d0f0e3115ab2d8967156aa158cbb1ae74a"
	goldenClassifierProbs  = "c9deb55e445dd4aca1cf4fc24bbc710e095ae31077a33d9230869ae9093e4b44"
)

func TestGoldenClassifier(t *testing.T) {
	be := cpu.New(cpu.Options{GEMM: cpu.AVX2GEMM})
	if be.GEMM() != cpu.AVX2GEMM {
		t.Skipf("the golden hashes are of the AVX2 GEMM; this CPU runs %v", be.GEMM())
	}
	train, test := loadDigits(t)
	cfg := ClassifierConfig{Hidden: []int{48, 32}, Epochs: 3, Batch: 64, LR: 2e-3, Shift: 2, Seed: 7, MaxTrain: 1000}
	c, err := TrainClassifier(context.Background(), be, train, Images{}, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Predict(context.Background(), be, test.Slice(0, 300), false)
	if err != nil {
		t.Fatal(err)
	}
	probs := make([]float32, len(p.Probs))
	for i, v := range p.Probs {
		probs[i] = float32(v)
	}
	if got := golden.Floats(c.Params); got != goldenClassifierParams {
		t.Errorf("parameters after %d epochs: hash %s, want %s", cfg.Epochs, got, goldenClassifierParams)
	}
	if got := golden.Floats(probs); got != goldenClassifierProbs {
		t.Errorf("probabilities of 300 test digits: hash %s, want %s", got, goldenClassifierProbs)
	}
}
