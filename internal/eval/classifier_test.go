package eval

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/model"
)

// digits loads the embedded digits once per test binary.
var digits = sync.OnceValues(func() ([2]Images, error) {
	var out [2]Images
	for i, split := range []string{"train", "test"} {
		d, err := data.Embedded(split)
		if err != nil {
			return out, err
		}
		if out[i], err = FromDataset(d); err != nil {
			return out, err
		}
	}
	return out, nil
})

func loadDigits(t *testing.T) (train, test Images) {
	t.Helper()
	d, err := digits()
	if err != nil {
		t.Fatalf("loading the embedded digits: %v", err)
	}
	return d[0], d[1]
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// fastConfig trains in about a second: 3,000 images, 5 epochs.
func fastConfig() ClassifierConfig {
	return ClassifierConfig{Hidden: []int{256}, Epochs: 5, Batch: 64, LR: 2e-3, Shift: 1, Seed: 1, MaxTrain: 3000}
}

func TestClassifierLearnsDigits(t *testing.T) {
	train, test := loadDigits(t)
	be := cpu.New(cpu.Options{})
	c, err := TrainClassifier(context.Background(), be, train, test, fastConfig(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3,000 images, 5 epochs: held-out accuracy %.4f on %d test digits", c.TestAccuracy, test.N)
	if !(c.TestAccuracy > 0.90) {
		t.Errorf("held-out accuracy %.4f, want > 0.90", c.TestAccuracy)
	}
	p, err := c.Predict(context.Background(), be, test.Slice(0, 700), true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 256 || len(p.Features) != 700*256 || len(p.Probs) != 700*Classes {
		t.Errorf("prediction widths: features %d (len %d), probs len %d; want 256, %d, %d", p.Width, len(p.Features), len(p.Probs), 700*256, 700*Classes)
	}
	for i, v := range p.Features {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("feature %d is %v, want finite", i, v)
		}
	}
}

// TestClassifierFullAccuracy trains the default classifier on all 9,000
// training digits: minutes on two cores, so it runs only with
// GAN_TRAIN_LONG=1 and without -short.
func TestClassifierFullAccuracy(t *testing.T) {
	if testing.Short() || os.Getenv("GAN_TRAIN_LONG") == "" {
		t.Skip("set GAN_TRAIN_LONG=1 (and omit -short) to train the full classifier")
	}
	train, test := loadDigits(t)
	c, err := TrainClassifier(context.Background(), cpu.New(cpu.Options{}), train, test, DefaultClassifierConfig(), slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("default classifier on %d digits: held-out accuracy %.4f on %d test digits", c.TrainImages, c.TestAccuracy, test.N)
	if !(c.TestAccuracy >= 0.97) {
		t.Errorf("held-out accuracy %.4f, want >= 0.97", c.TestAccuracy)
	}
}

func TestTranslate(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, tc := range []struct {
		dx, dy int
		want   []float32
	}{
		{0, 0, src},
		{1, 0, []float32{0, 1, 2, 0, 4, 5, 0, 7, 8}},
		{-1, 0, []float32{2, 3, 0, 5, 6, 0, 8, 9, 0}},
		{0, 1, []float32{0, 0, 0, 1, 2, 3, 4, 5, 6}},
		{1, -1, []float32{0, 4, 5, 0, 7, 8, 0, 0, 0}},
	} {
		dst := make([]float32, 9)
		translate(dst, src, 3, tc.dx, tc.dy)
		for i := range dst {
			if dst[i] != tc.want[i] {
				t.Errorf("shift (%d, %d): got %v, want %v", tc.dx, tc.dy, dst, tc.want)
				break
			}
		}
	}
}

func TestClassifierCache(t *testing.T) {
	train, test := loadDigits(t)
	train, test = train.Slice(0, 400), test.Slice(0, 200)
	cfg := DefaultClassifierConfig()
	cfg.Epochs = 1
	be := cpu.New(cpu.Options{})
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")

	c1, trained, err := LoadOrTrainClassifier(ctx, be, dir, "digits", train, test, cfg, quiet())
	if err != nil || !trained {
		t.Fatalf("first call: trained %v, err %v; want a fresh classifier", trained, err)
	}
	c2, trained, err := LoadOrTrainClassifier(ctx, be, dir, "digits", train, test, cfg, quiet())
	if err != nil || trained {
		t.Fatalf("second call: trained %v, err %v; want the cached classifier", trained, err)
	}
	if c2.TestAccuracy != c1.TestAccuracy || len(c2.Params) != len(c1.Params) {
		t.Fatalf("cached classifier differs: accuracy %v vs %v, %d vs %d params", c2.TestAccuracy, c1.TestAccuracy, len(c2.Params), len(c1.Params))
	}
	for i := range c1.Params {
		if c1.Params[i] != c2.Params[i] {
			t.Fatalf("cached parameter %d = %v, want %v", i, c2.Params[i], c1.Params[i])
		}
	}
	path, _ := ClassifierPath(dir, "digits")

	// Other settings: the cache is stale and gets replaced.
	cfg2 := cfg
	cfg2.Seed = 99
	if _, err := LoadClassifier(path, ClassifierKey(train, test, cfg2)); !errors.Is(err, ErrStale) {
		t.Errorf("other seed: err %v, want ErrStale", err)
	}
	if _, trained, err = LoadOrTrainClassifier(ctx, be, dir, "digits", train, test, cfg2, quiet()); err != nil || !trained {
		t.Errorf("other seed: trained %v, err %v; want retraining", trained, err)
	}
	// Other data: stale too.
	if _, err := LoadClassifier(path, ClassifierKey(train.Slice(0, 399), test, cfg2)); !errors.Is(err, ErrStale) {
		t.Errorf("other data: err %v, want ErrStale", err)
	}

	// A flipped byte: detected, retrained.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClassifier(path, ""); err == nil {
		t.Error("damaged file loaded without error")
	}
	if _, trained, err = LoadOrTrainClassifier(ctx, be, dir, "digits", train, test, cfg2, quiet()); err != nil || !trained {
		t.Errorf("damaged file: trained %v, err %v; want retraining", trained, err)
	}
	// Truncated: detected.
	if err := os.WriteFile(path, b[:len(b)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClassifier(path, ""); err == nil {
		t.Error("truncated file loaded without error")
	}
	if _, err := LoadClassifier(filepath.Join(dir, "nothing"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err %v, want os.ErrNotExist", err)
	}
	if _, err := ClassifierPath(dir, "../evil"); err == nil {
		t.Error("dataset name with a path separator accepted")
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("cache dir holds %v, want only the classifier", names)
	}
}

// A cache file of format version 1 (the network recorded as dense layers
// with "out" widths) is stale even when it claims the current key: it is
// never read as a current classifier, and LoadOrTrainClassifier replaces
// it with one that loads.
func TestClassifierCacheVersion1IsStale(t *testing.T) {
	train, test := loadDigits(t)
	train, test = train.Slice(0, 400), test.Slice(0, 200)
	cfg := DefaultClassifierConfig()
	cfg.Epochs = 1
	key := ClassifierKey(train, test, cfg)
	// A 784-2-10 network: 784*2+2 + 2*10+10 parameters, laid out by hand
	// as version 1 wrote it (activations as numbers: 2 leaky_relu, 0 identity).
	const np = 784*2 + 2 + 2*10 + 10
	hdr := `{"format_version":1,"key":"` + key + `","classifier":{"config":{"hidden":[2],"epochs":1,"batch":64,"lr":0.001,"shift":2,"seed":1,"max_train":0},` +
		`"spec":{"in":784,"layers":[{"out":2,"act":2},{"out":10,"act":0}],"init":"he"},"test_accuracy":0.5,"train_images":400},"num_params":` + fmt.Sprint(np) + `}`
	b := append([]byte(nil), classifierMagic[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	b = append(b, hdr...)
	b = append(b, make([]byte, 4*np)...)
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	dir := t.TempDir()
	path, _ := ClassifierPath(dir, "digits")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, ""} {
		if c, err := LoadClassifier(path, k); !errors.Is(err, ErrStale) {
			t.Errorf("key %q: loaded %+v, err %v; want ErrStale", k, c, err)
		}
	}
	c, trained, err := LoadOrTrainClassifier(context.Background(), cpu.New(cpu.Options{}), dir, "digits", train, test, cfg, quiet())
	if err != nil || !trained {
		t.Fatalf("trained %v, err %v; want the version 1 file replaced by a fresh classifier", trained, err)
	}
	again, err := LoadClassifier(path, key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Spec, c.Spec) || again.Spec.Layers[0] != model.DenseLayer(cfg.Hidden[0], model.LeakyReLU) {
		t.Errorf("rewritten cache holds %+v, want %+v", again.Spec, c.Spec)
	}
}
