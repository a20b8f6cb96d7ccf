package data

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fashionDir is where Debian's dataset-fashion-mnist package installs the
// four Fashion-MNIST files; GAN_TRAIN_FASHION_DIR overrides it.
const fashionDir = "/usr/share/datasets/fashion-mnist"

// TestFashionMNISTDebian reads all of Fashion-MNIST as Debian ships it,
// through the same paths --data uses. It skips when the package is not
// installed, unless GAN_TRAIN_REQUIRE_FASHION=1, when it fails instead.
func TestFashionMNISTDebian(t *testing.T) {
	dir := fashionDir
	if d := os.Getenv("GAN_TRAIN_FASHION_DIR"); d != "" {
		dir = d
	}
	names := []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			if os.Getenv("GAN_TRAIN_REQUIRE_FASHION") == "1" {
				t.Fatalf("GAN_TRAIN_REQUIRE_FASHION=1 but %v (apt-get install -y dataset-fashion-mnist)", err)
			}
			t.Skipf("Fashion-MNIST not installed (%v); apt-get install -y dataset-fashion-mnist, or set GAN_TRAIN_FASHION_DIR", err)
		}
	}
	if testing.Short() && os.Getenv("GAN_TRAIN_REQUIRE_FASHION") != "1" {
		t.Skip("reads 31 MB of gzip; skipped in -short mode")
	}
	ctx := context.Background()
	tests := []struct {
		test bool
		n    int
	}{{false, 60000}, {true, 10000}}
	for _, tc := range tests {
		open := Open
		if tc.test {
			open = OpenTest
		}
		d, err := open(ctx, dir, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if d.N != tc.n || d.H != 28 || d.W != 28 {
			t.Errorf("test split %v: %d images of %dx%d, want %d of 28x28", tc.test, d.N, d.H, d.W, tc.n)
		}
		counts := d.ClassCounts()
		if want := slices.Repeat([]int{tc.n / 10}, 10); !slices.Equal(counts, want) {
			t.Errorf("test split %v: per class %v, want %v (labels 0..9, balanced)", tc.test, counts, want)
		}
		if lo, hi := slices.Min(d.Pixels), slices.Max(d.Pixels); lo != 0 || hi != 255 {
			t.Errorf("test split %v: pixels %d..%d, want 0..255", tc.test, lo, hi)
		}
	}
	// The name resolves to the same files when the cache is empty and the
	// system copy passes the checksums (no network is touched).
	if dir == fashionDir {
		o := newOptions(nil)
		s := o.sets["fashion-mnist"]
		s.mirrors = nil
		o.sets["fashion-mnist"] = s
		d, err := open(ctx, "fashion-mnist", t.TempDir(), true, o)
		if err != nil {
			t.Fatal(err)
		}
		if d.N != 10000 || d.Name != "fashion-mnist-test" {
			t.Errorf("fashion-mnist by name: %s with %d images, want fashion-mnist-test with 10000", d.Name, d.N)
		}
	}
}
