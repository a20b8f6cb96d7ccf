package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gan-train/train"
)

// syntheticMetrics is a metrics.jsonl of n logged steps with curves shaped
// like a GAN run's: losses settling, D(x) and D(G(z)) approaching 0.5.
func syntheticMetrics(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		step := int64(i * 10)
		t := float64(i) / float64(n)
		fmt.Fprintf(&b, `{"step":%d,"d_loss":%g,"g_loss":%g,"d_real":%g,"d_fake":%g,"steps_per_sec":123.4,"epoch":0}`+"\n",
			step, 1.386+0.3*math.Exp(-5*t), 0.69+math.Exp(-3*t), 0.5+0.4*math.Exp(-4*t), 0.5-0.4*math.Exp(-4*t))
	}
	return b.String()
}

func TestLossesPNGSize(t *testing.T) {
	var out bytes.Buffer
	if err := LossesPNG(strings.NewReader(syntheticMetrics(200)), &out); err != nil {
		t.Fatalf("LossesPNG: %v", err)
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatalf("decoding losses PNG: %v", err)
	}
	if got, want := img.Bounds().Size(), image.Pt(LossesWidth, LossesHeight); got != want {
		t.Errorf("losses PNG size: got %v, want %v", got, want)
	}
	// The picture has the series colours in it, not just axes.
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xff}] = true
		}
	}
	for name, c := range map[string]color.RGBA{"D loss": colDLoss, "G loss": colGLoss, "D(x)": colDReal, "D(G(z))": colDFake} {
		if !seen[c] {
			t.Errorf("losses PNG has no pixel of the %s colour %v", name, c)
		}
	}
}

func TestLossesPNGBadInput(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"corrupt line", `{"step":10,"d_loss":1}` + "\n\n" + `{"step":20,"d_loss":` + "\n", "metrics line 3"},
		{"not an object", `{"step":10}` + "\n" + `[1,2]` + "\n", "metrics line 2"},
		{"no step", `{"step":10}` + "\n" + `{"d_loss":1}` + "\n", `metrics line 2: no "step"`},
		{"empty", "", "no metrics lines"},
		{"blank only", "\n  \n", "no metrics lines"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := LossesPNG(strings.NewReader(tc.in), &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LossesPNG(%q): got error %v, want one containing %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestLossesPNGNonFinite(t *testing.T) {
	// JSON has no NaN; a trainer writing null for a diverged value must
	// still get a plot, and a series with no values must not fail it.
	in := `{"step":0,"d_loss":null,"g_loss":0.7,"d_real":0.6,"d_fake":0.4}` + "\n" +
		`{"step":10,"d_loss":null,"g_loss":0.8,"d_real":0.55,"d_fake":0.45}` + "\n"
	var out bytes.Buffer
	if err := LossesPNG(strings.NewReader(in), &out); err != nil {
		t.Fatalf("LossesPNG with a null series: %v", err)
	}
	if _, err := png.Decode(&out); err != nil {
		t.Fatalf("decoding: %v", err)
	}
}

// writeGrid writes a w x h grayscale PNG filled with level v.
func writeGrid(t *testing.T, path string, w, h int, v uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestProgressGIF(t *testing.T) {
	dir := t.TempDir()
	levels := []uint8{10, 128, 250}
	var paths []string
	for i, v := range levels {
		p := filepath.Join(dir, fmt.Sprintf("step-%06d.png", i*100))
		writeGrid(t, p, 62, 32, v)
		paths = append(paths, p)
	}
	var out bytes.Buffer
	if err := ProgressGIF(paths, &out, 200*time.Millisecond); err != nil {
		t.Fatalf("ProgressGIF: %v", err)
	}
	g, err := gif.DecodeAll(&out)
	if err != nil {
		t.Fatalf("decoding GIF: %v", err)
	}
	if got, want := len(g.Image), len(paths); got != want {
		t.Fatalf("GIF frames: got %d, want %d", got, want)
	}
	if got, want := g.Delay, []int{20, 20, 20 * holdLast}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("GIF delays: got %v, want %v", got, want)
	}
	for i, fr := range g.Image {
		if got, want := fr.Bounds().Size(), image.Pt(62, 32+labelHeight); got != want {
			t.Errorf("frame %d size: got %v, want %v", i, got, want)
		}
		// A pixel below the label band keeps the grid's gray level.
		r, _, _, _ := fr.At(30, labelHeight+20).RGBA()
		if got, want := uint8(r>>8), levels[i]; got != want {
			t.Errorf("frame %d gray level: got %d, want %d", i, got, want)
		}
		// The label band has some white text on it.
		white := false
		for x := 0; x < 62 && !white; x++ {
			for y := 0; y < labelHeight; y++ {
				if r, _, _, _ := fr.At(x, y).RGBA(); r>>8 == 255 {
					white = true
					break
				}
			}
		}
		if !white {
			t.Errorf("frame %d has no label text", i)
		}
	}
}

func TestProgressGIFBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "step-000000.png")
	writeGrid(t, good, 20, 20, 100)
	other := filepath.Join(dir, "step-000100.png")
	writeGrid(t, other, 30, 20, 100)
	corrupt := filepath.Join(dir, "step-000200.png")
	if err := os.WriteFile(corrupt, []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths []string
		delay time.Duration
		want  string
	}{
		{"none", nil, time.Second, "no sample grids"},
		{"missing", []string{good, filepath.Join(dir, "nope.png")}, time.Second, "nope.png"},
		{"corrupt", []string{good, corrupt}, time.Second, corrupt},
		{"size", []string{good, other}, time.Second, other},
		{"zero delay", []string{good}, 0, "delay"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ProgressGIF(tc.paths, &bytes.Buffer{}, tc.delay)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFrameLabel(t *testing.T) {
	for in, want := range map[string]string{
		"/r/samples/step-000000.png":  "step 0",
		"/r/samples/step-001200.png":  "step 1200",
		"/r/samples/step-1234567.png": "step 1234567",
		"/r/samples/final.png":        "final",
	} {
		if got := frameLabel(in); got != want {
			t.Errorf("frameLabel(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestWriteRunReport(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(train.RunDir(dir).Metrics(), []byte(syntheticMetrics(50)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Step 1000000 sorts after 200000 although its name is longer; latest.png
	// is not a frame; final.png comes last.
	for i, name := range []string{"step-1000000.png", "step-000000.png", "step-200000.png", "final.png", "latest.png"} {
		writeGrid(t, filepath.Join(train.RunDir(dir).SamplesDir(), name), 16, 16, uint8(40*i))
	}
	if err := WriteRunReport(dir); err != nil {
		t.Fatalf("WriteRunReport: %v", err)
	}
	f, err := os.Open(train.RunDir(dir).Losses())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("decoding %s: %v", "losses.png", err)
	}
	b, err := os.ReadFile(train.RunDir(dir).Progress())
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding %s: %v", "progress.gif", err)
	}
	var got []uint8
	for _, fr := range g.Image {
		r, _, _, _ := fr.At(8, labelHeight+8).RGBA()
		got = append(got, uint8(r>>8))
	}
	// Gray levels identify the files: step-000000 (40), step-200000 (80),
	// step-1000000 (0), final (120).
	if want := []uint8{40, 80, 0, 120}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("frame order by gray level: got %v, want %v", got, want)
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover temporary file %s", e.Name())
		}
	}
}

func TestWriteRunReportErrors(t *testing.T) {
	t.Run("empty dir", func(t *testing.T) {
		dir := t.TempDir()
		err := WriteRunReport(dir)
		if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "no run") {
			t.Errorf("got %v, want an error naming %s as holding no run", err, dir)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		err := WriteRunReport(dir)
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("got %v, want an error naming %s", err, dir)
		}
	})
	t.Run("corrupt metrics", func(t *testing.T) {
		dir := t.TempDir()
		path := train.RunDir(dir).Metrics()
		if err := os.WriteFile(path, []byte(syntheticMetrics(3)+"{oops\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		writeGrid(t, filepath.Join(train.RunDir(dir).SamplesDir(), "step-000000.png"), 8, 8, 0)
		err := WriteRunReport(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 4") {
			t.Errorf("got %v, want an error naming %s line 4", err, path)
		}
		if _, err := os.Stat(train.RunDir(dir).Losses()); err == nil {
			t.Errorf("%s written from a corrupt log", "losses.png")
		}
		// The GIF does not depend on the metrics and is still written.
		if _, err := os.Stat(train.RunDir(dir).Progress()); err != nil {
			t.Errorf("%s not written next to a corrupt log: %v", "progress.gif", err)
		}
	})
	t.Run("no samples", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(train.RunDir(dir).Metrics(), []byte(syntheticMetrics(3)), 0o644); err != nil {
			t.Fatal(err)
		}
		err := WriteRunReport(dir)
		if err == nil || !strings.Contains(err.Error(), "no sample grids") {
			t.Errorf("got %v, want an error saying there are no sample grids", err)
		}
		if _, err := os.Stat(train.RunDir(dir).Losses()); err != nil {
			t.Errorf("%s not written without samples: %v", "losses.png", err)
		}
	})
}

func TestThin(t *testing.T) {
	var in []string
	for i := 0; i < 10; i++ {
		in = append(in, fmt.Sprint(i))
	}
	if got, want := thin(in, 4), []string{"0", "3", "6", "9"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("thin(10 paths, 4): got %v, want %v", got, want)
	}
	if got := thin(in, 20); len(got) != 10 {
		t.Errorf("thin(10 paths, 20): got %d paths, want 10", len(got))
	}
}
