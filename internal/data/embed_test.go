package data

import (
	"bytes"
	"slices"
	"testing"
)

func TestEmbeddedSplits(t *testing.T) {
	tests := []struct {
		split    string
		n        int
		perClass []int
	}{
		// The package's classes hold 1001 1127 991 1032 980 863 1014 1070 944 978
		// digits; the last 100 of each are the test split.
		{"train", 9000, []int{901, 1027, 891, 932, 880, 763, 914, 970, 844, 878}},
		{"test", 1000, []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}},
	}
	for _, tc := range tests {
		d, err := Embedded(tc.split)
		if err != nil {
			t.Fatal(err)
		}
		if d.N != tc.n || d.H != 28 || d.W != 28 {
			t.Errorf("%s: %d images of %dx%d, want %d of 28x28", tc.split, d.N, d.H, d.W, tc.n)
		}
		if got := d.ClassCounts(); !slices.Equal(got, tc.perClass) {
			t.Errorf("%s: per class %v, want %v", tc.split, got, tc.perClass)
		}
		lo, hi := slices.Min(d.Pixels), slices.Max(d.Pixels)
		if lo != 0 || hi != 255 {
			t.Errorf("%s: pixels span %d..%d, want 0..255", tc.split, lo, hi)
		}
		// MNIST digits are mostly background: mean ink about 0.13.
		var sum float64
		for _, v := range d.Floats(Scale01) {
			sum += float64(v)
		}
		if mean := sum / float64(len(d.Pixels)); mean < 0.08 || mean > 0.2 {
			t.Errorf("%s: mean pixel %.3f, want about 0.13", tc.split, mean)
		}
		if got := d.Labels[:10]; !slices.Equal(got, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("%s: first labels %v, want the classes interleaved 0..9", tc.split, got)
		}
	}
}

// A "1" is a vertical stroke: its mean image is bright in the centre column
// and dark at the left and right edges.
func TestEmbeddedOnesAreVertical(t *testing.T) {
	d, err := Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	var col [28]float64
	n := 0
	for i, l := range d.Labels {
		if l != 1 {
			continue
		}
		n++
		for k, v := range d.Image(i) {
			col[k%28] += float64(v) / 255
		}
	}
	for c := range col {
		col[c] /= float64(n * 28)
	}
	centre := (col[13] + col[14]) / 2
	edges := (col[3] + col[24]) / 2
	if centre < 0.3 || edges > 0.05 || centre < 10*edges {
		t.Errorf("class 1 mean column brightness: centre %.3f, edges %.3f; want a bright centre and dark edges", centre, edges)
	}
}

func TestEmbeddedSplitsDisjoint(t *testing.T) {
	tr, err := Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	te, err := Embedded("test")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, tr.N)
	for i := range tr.N {
		seen[string(tr.Image(i))] = true
	}
	shared := 0
	for i := range te.N {
		if seen[string(te.Image(i))] {
			shared++
		}
	}
	if shared != 0 {
		t.Errorf("%d test images also appear in the training split", shared)
	}
	if _, err := Embedded("validation"); err == nil {
		t.Error("split \"validation\" accepted")
	}
	// Each call returns its own copy.
	a, _ := Embedded("test")
	a.Pixels[0] = 99
	if b, _ := Embedded("test"); bytes.Equal(a.Pixels, b.Pixels) {
		t.Error("Embedded returned shared storage")
	}
}
