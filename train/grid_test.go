package train

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
)

// gridImages returns n distinct images whose pixel (x, y) of image k is a
// value the test can recompute: (k*31 + y*7 + x*3) mod 256.
func gridImages(n int) []uint8 {
	pix := make([]uint8, n*ImageSize)
	for k := 0; k < n; k++ {
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				pix[k*ImageSize+y*28+x] = uint8(k*31 + y*7 + x*3)
			}
		}
	}
	return pix
}

// wantPixel is the grid's pixel at (px, py) computed from the layout
// (28x28 cells, 2-pixel border of grey 64, every pixel zoom times), not
// from the code under test.
func wantPixel(pix []uint8, n, cols, zoom, px, py int) uint8 {
	cx, cy := px/zoom, py/zoom
	c, ix := cx/30, cx%30-2
	r, iy := cy/30, cy%30-2
	k := r*cols + c
	if ix < 0 || iy < 0 || c >= cols || k >= n {
		return 64
	}
	return pix[k*ImageSize+iy*28+ix]
}

func decodeGray(t *testing.T, b []byte) *image.Gray {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding the PNG: %v", err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("decoded a %T, want *image.Gray", img)
	}
	return g
}

// The streamed PNG and GridPNG decode, with the standard library's
// decoder, to the same pixels, and both match the layout pixel for pixel,
// a partly filled last row included.
func TestGridPNGLayout(t *testing.T) {
	for _, tc := range []struct{ n, cols, zoom int }{{1, 1, 1}, {7, 3, 2}, {12, 4, 1}, {5, 8, 3}} {
		pix := gridImages(tc.n)
		f := make([]float32, len(pix))
		for i, v := range pix {
			f[i] = float32(v) / 255
		}
		a, err := GridPNG(f, tc.cols, tc.zoom)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		g := Grid{N: tc.n, Cols: tc.cols, Zoom: tc.zoom, Image: func(k int) []uint8 { return pix[k*ImageSize : (k+1)*ImageSize] }}
		if err := g.WritePNG(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		wantW, wantH := (tc.cols*30+2)*tc.zoom, ((tc.n+tc.cols-1)/tc.cols*30+2)*tc.zoom
		for name, img := range map[string]*image.Gray{"GridPNG": decodeGray(t, a), "WritePNG": decodeGray(t, b.Bytes())} {
			if s := img.Bounds().Size(); s.X != wantW || s.Y != wantH {
				t.Fatalf("%+v %s: %v, want %dx%d", tc, name, s, wantW, wantH)
			}
			for y := 0; y < wantH; y++ {
				for x := 0; x < wantW; x++ {
					if got, want := img.GrayAt(x, y).Y, wantPixel(pix, tc.n, tc.cols, tc.zoom, x, y); got != want {
						t.Fatalf("%+v %s: pixel (%d,%d) = %d, want %d", tc, name, x, y, got, want)
					}
				}
			}
		}
	}
}

// WritePNG stops with the context's error, and refuses empty grids.
func TestGridWritePNGStops(t *testing.T) {
	pix := gridImages(4)
	g := Grid{N: 4, Cols: 2, Zoom: 1, Image: func(k int) []uint8 { return pix[k*ImageSize : (k+1)*ImageSize] }}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.WritePNG(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	for _, bad := range []Grid{{N: 0, Cols: 2, Zoom: 1, Image: g.Image}, {N: 4, Cols: 0, Zoom: 1, Image: g.Image}, {N: 4, Cols: 2, Zoom: 0, Image: g.Image}, {N: 1 << 30, Cols: 1, Zoom: 1, Image: g.Image}} {
		if err := bad.WritePNG(context.Background(), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "grid of") {
			t.Errorf("%d images in %d columns at zoom %d: %v, want an error naming the grid", bad.N, bad.Cols, bad.Zoom, err)
		}
	}
}

// A grid whose compressed rows outgrow one IDAT chunk (64 KiB) is split
// over several, each with a valid CRC (image/png checks them), and still
// decodes to the layout.
func TestGridWritePNGSeveralChunks(t *testing.T) {
	const n, cols = 300, 20
	pix := make([]uint8, n*ImageSize)
	x := uint32(1)
	for i := range pix { // xorshift: bytes that do not compress
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		pix[i] = uint8(x)
	}
	g := Grid{N: n, Cols: cols, Zoom: 1, Image: func(k int) []uint8 { return pix[k*ImageSize : (k+1)*ImageSize] }}
	var b bytes.Buffer
	if err := g.WritePNG(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if c := bytes.Count(b.Bytes(), []byte("IDAT")); c < 3 {
		t.Fatalf("%d bytes in %d IDAT chunks, want several", b.Len(), c)
	}
	img := decodeGray(t, b.Bytes())
	size := img.Bounds().Size()
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x++ {
			if got, want := img.GrayAt(x, y).Y, wantPixel(pix, n, cols, 1, x, y); got != want {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
			}
		}
	}
}
