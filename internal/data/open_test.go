package data

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writePNG(t *testing.T, p string, w, h int, shade uint8) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{shade, shade, shade, 255})
		}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// mnistDir writes a tiny MNIST-style directory: n train images of 2x3 and
// their labels, and 2 t10k images.
func mnistDir(t *testing.T, n int, gz bool) string {
	dir := t.TempDir()
	ext := ""
	if gz {
		ext = ".gz"
	}
	pix := make([]uint8, n*6)
	for i := range pix {
		pix[i] = uint8(i)
	}
	lab := make([]uint8, n)
	for i := range lab {
		lab[i] = uint8(i % 10)
	}
	tr := &Dataset{Name: "tr", N: n, H: 2, W: 3, Pixels: pix, Labels: lab}
	if err := tr.Save(filepath.Join(dir, "train-images-idx3-ubyte"+ext), filepath.Join(dir, "train-labels-idx1-ubyte"+ext)); err != nil {
		t.Fatal(err)
	}
	te := tr.Head(2)
	if err := te.Save(filepath.Join(dir, "t10k-images-idx3-ubyte"+ext), filepath.Join(dir, "t10k-labels-idx1-ubyte"+ext)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOpenGoodInput(t *testing.T) {
	ctx := context.Background()
	raw := mnistDir(t, 5, false)
	gz := mnistDir(t, 7, true)
	folder := t.TempDir()
	writePNG(t, filepath.Join(folder, "a.png"), 4, 3, 10)
	writePNG(t, filepath.Join(folder, "b.png"), 4, 3, 200)
	writeFile(t, filepath.Join(folder, ".DS_Store"), []byte("junk"))
	os.Mkdir(filepath.Join(folder, "sub"), 0o755)
	tests := []struct {
		spec          string
		test          bool
		n, h, w       int
		labelled      bool
		wantFirstByte uint8
	}{
		{"", false, 9000, 28, 28, true, 0},
		{"digits", true, 1000, 28, 28, true, 0},
		{raw, false, 5, 2, 3, true, 0},
		{raw, true, 2, 2, 3, true, 0},
		{gz, false, 7, 2, 3, true, 0},
		{filepath.Join(gz, "train-images-idx3-ubyte.gz"), false, 7, 2, 3, true, 0},
		{filepath.Join(gz, "train-images-idx3-ubyte.gz"), true, 2, 2, 3, true, 0},
		{filepath.Join(raw, "train-images-idx3-ubyte") + "," + filepath.Join(raw, "train-labels-idx1-ubyte"), false, 5, 2, 3, true, 0},
		{folder, false, 2, 3, 4, false, 10},
	}
	for _, tc := range tests {
		var d *Dataset
		var err error
		if tc.test {
			d, err = OpenTest(ctx, tc.spec, t.TempDir())
		} else {
			d, err = Open(ctx, tc.spec, t.TempDir())
		}
		if err != nil {
			t.Errorf("%q (test %v): %v", tc.spec, tc.test, err)
			continue
		}
		if d.N != tc.n || d.H != tc.h || d.W != tc.w || d.HasLabels() != tc.labelled || d.Pixels[0] != tc.wantFirstByte {
			t.Errorf("%q (test %v): %d images of %dx%d labelled %v first byte %d, want %d of %dx%d labelled %v first byte %d",
				tc.spec, tc.test, d.N, d.H, d.W, d.HasLabels(), d.Pixels[0], tc.n, tc.h, tc.w, tc.labelled, tc.wantFirstByte)
		}
	}
	// The images file alone: labels are found beside it; without them the
	// dataset is unlabelled.
	os.Remove(filepath.Join(raw, "train-labels-idx1-ubyte"))
	d, err := Open(ctx, filepath.Join(raw, "train-images-idx3-ubyte"), "")
	if err != nil || d.HasLabels() {
		t.Errorf("images without labels: %v, labelled %v", err, d != nil && d.HasLabels())
	}
	// Gray conversion of the folder: shade 200 stays 200.
	d, _ = Open(ctx, folder, "")
	if got := d.Image(1); !slices.Equal(got, slices.Repeat([]uint8{200}, 12)) {
		t.Errorf("folder image b = %v, want twelve 200s", got)
	}
}

func TestOpenBadInput(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	good := idxBytes(MagicImages, []uint32{2, 2, 2}, make([]byte, 8))

	p := func(parts ...string) string { return filepath.Join(append([]string{base}, parts...)...) }
	writeFile(t, p("trunc", "train-images-idx3-ubyte"), good[:len(good)-3])
	writeFile(t, p("magic", "train-images-idx3-ubyte"), idxBytes(0x00000903, []uint32{2, 2, 2}, make([]byte, 8)))
	writeFile(t, p("huge", "train-images-idx3-ubyte"), idxBytes(MagicImages, []uint32{4_000_000_000, 28, 28}, make([]byte, 100)))
	writeFile(t, p("count", "train-images-idx3-ubyte"), good)
	writeFile(t, p("count", "train-labels-idx1-ubyte"), idxBytes(MagicLabels, []uint32{3}, []byte{1, 2, 3}))
	os.MkdirAll(p("unreadable", "train-images-idx3-ubyte"), 0o755) // a directory where the file should be
	os.MkdirAll(p("empty"), 0o755)
	writePNG(t, p("mixed", "a.png"), 4, 4, 1)
	writePNG(t, p("mixed", "b.png"), 4, 5, 1)
	writePNG(t, p("notimg", "a.png"), 4, 4, 1)
	writeFile(t, p("notimg", "b.txt"), []byte("hello"))
	writeFile(t, p("labels-only", "x-labels-idx1-ubyte"), idxBytes(MagicLabels, []uint32{1}, []byte{1}))
	writeFile(t, p("zero", "train-images-idx3-ubyte"), idxBytes(MagicImages, []uint32{0, 2, 2}, nil))

	tests := []struct {
		name string
		spec string
		want error // nil: any error
		msg  []string
	}{
		{"missing path", p("nope"), nil, []string{"nope", "no such file or directory"}},
		{"missing name", "cifar", nil, []string{"cifar", "not a known name"}},
		{"unreadable", p("unreadable"), nil, []string{"train-images-idx3-ubyte", "is a directory"}},
		{"truncated", p("trunc"), ErrTruncated, []string{p("trunc", "train-images-idx3-ubyte"), "header says 2 images of 2x2 (8 bytes), file has 5"}},
		{"wrong magic", p("magic"), ErrMagic, []string{"0x00000903"}},
		{"4e9 images", p("huge"), ErrTruncated, []string{"4000000000 images"}},
		{"count mismatch", p("count"), ErrMismatch, []string{"2 images", "3 labels"}},
		{"mixed sizes", p("mixed"), nil, []string{p("mixed", "b.png"), "4x5", "same size"}},
		{"non-image", p("notimg"), nil, []string{p("notimg", "b.txt"), "not a PNG or JPEG"}},
		{"empty folder", p("empty"), nil, []string{p("empty"), "no PNG or JPEG images"}},
		{"labels as images", p("labels-only", "x-labels-idx1-ubyte"), ErrMagic, []string{"want 0x00000803"}},
		{"pair with missing labels", p("count", "train-images-idx3-ubyte") + "," + p("nope"), nil, []string{"nope"}},
		{"zero images", p("zero"), nil, []string{"no images"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(ctx, tc.spec, t.TempDir())
			if err == nil {
				t.Fatalf("Open(%q) succeeded", tc.spec)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
		})
	}
}

func TestOpenTestWithoutSplit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), 2, 2, 1)
	ip := filepath.Join(t.TempDir(), "samples-images-idx3-ubyte")
	writeFile(t, ip, idxBytes(MagicImages, []uint32{1, 1, 1}, []byte{1}))
	for _, spec := range []string{dir, ip, ip + "," + ip} {
		if _, err := OpenTest(ctx, spec, ""); !errors.Is(err, ErrNoTestSplit) {
			t.Errorf("OpenTest(%q): %v, want ErrNoTestSplit", spec, err)
		}
	}
}
