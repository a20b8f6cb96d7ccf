package train

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"math"

	"gan-train/internal/data"
)

// Grid lays out N images of 28x28 bytes in Cols columns, cells separated by
// a 2-pixel border of grey 64, every pixel repeated Zoom times in both
// directions. Image(k) returns image k's 784 bytes.
type Grid struct {
	N, Cols, Zoom int
	Image         func(k int) []uint8
}

const (
	gridSide   = data.ImageSide
	gridPad    = 2
	gridBorder = 64
)

// Size is the grid's width and height in pixels, or an error naming what
// makes the grid empty or too large for a PNG.
func (g Grid) Size() (w, h int, err error) {
	if g.N <= 0 || g.Cols <= 0 || g.Zoom <= 0 || g.Image == nil {
		return 0, 0, fmt.Errorf("grid of %d images in %d columns at zoom %d: nothing to draw", g.N, g.Cols, g.Zoom)
	}
	rows := (g.N + g.Cols - 1) / g.Cols
	cw := int64(g.Cols)*(gridSide+gridPad) + gridPad
	ch := int64(rows)*(gridSide+gridPad) + gridPad
	if cw*int64(g.Zoom) > math.MaxInt32 || ch*int64(g.Zoom) > math.MaxInt32 {
		return 0, 0, fmt.Errorf("grid of %d images in %d columns at zoom %d: %dx%d pixels before zoom is larger than a PNG holds", g.N, g.Cols, g.Zoom, cw, ch)
	}
	return int(cw) * g.Zoom, int(ch) * g.Zoom, nil
}

// row fills dst (one row of the grid, len w) with pixel row y.
func (g Grid) row(dst []uint8, y int) {
	for i := range dst {
		dst[i] = gridBorder
	}
	cy := y / g.Zoom
	r, iy := cy/(gridSide+gridPad), cy%(gridSide+gridPad)-gridPad
	if iy < 0 {
		return
	}
	for c := 0; c < g.Cols; c++ {
		k := r*g.Cols + c
		if k >= g.N {
			return
		}
		src := g.Image(k)[iy*gridSide : (iy+1)*gridSide]
		x0 := (gridPad + c*(gridSide+gridPad)) * g.Zoom
		for x, v := range src {
			for dx := 0; dx < g.Zoom; dx++ {
				dst[x0+x*g.Zoom+dx] = v
			}
		}
	}
}

// GridPNG renders images (n, ImageSize) with values in [0,1] as a PNG grid
// of cols columns (see Grid), scaled by zoom.
func GridPNG(images []float32, cols, zoom int) ([]byte, error) {
	n := len(images) / ImageSize
	pix := make([]uint8, n*ImageSize)
	for i := range pix {
		pix[i] = ToByte(images[i])
	}
	g := Grid{N: n, Cols: cols, Zoom: zoom, Image: func(k int) []uint8 { return pix[k*ImageSize : (k+1)*ImageSize] }}
	w, h, err := g.Size()
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		g.row(img.Pix[y*img.Stride:y*img.Stride+w], y)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encoding PNG: %w", err)
	}
	return b.Bytes(), nil
}

// WritePNG writes the grid to w as an 8-bit greyscale PNG one row at a
// time, holding one row in memory, and stops with ctx's error between rows
// once ctx is done. The rows are stored unfiltered, so the file is larger
// than GridPNG's for the same grid, with the same pixels.
func (g Grid) WritePNG(ctx context.Context, w io.Writer) error {
	width, height, err := g.Size()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return fmt.Errorf("writing PNG signature: %w", err)
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8] = 8 // bit depth; colour type 0 (grey), deflate, adaptive filters, no interlace
	if err := writePNGChunk(w, "IHDR", ihdr[:]); err != nil {
		return err
	}
	// The zlib stream goes out as IDAT chunks of at most 64 KiB.
	idat := bufio.NewWriterSize(pngChunkWriter{w: w, typ: "IDAT"}, 1<<16)
	zw := zlib.NewWriter(idat)
	line := make([]uint8, 1+width) // filter byte 0 (none), then the pixels
	for y := 0; y < height; y++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("PNG stopped at row %d of %d: %w", y, height, err)
		}
		g.row(line[1:], y)
		if _, err := zw.Write(line); err != nil {
			return fmt.Errorf("writing PNG row %d: %w", y, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("writing PNG data: %w", err)
	}
	if err := idat.Flush(); err != nil {
		return fmt.Errorf("writing PNG data: %w", err)
	}
	return writePNGChunk(w, "IEND", nil)
}

// pngChunkWriter writes each Write as one PNG chunk of its type.
type pngChunkWriter struct {
	w   io.Writer
	typ string
}

func (c pngChunkWriter) Write(p []byte) (int, error) {
	if err := writePNGChunk(c.w, c.typ, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writePNGChunk writes one PNG chunk: length, type, data, and the CRC-32
// of type and data (PNG specification, section 5.3).
func writePNGChunk(w io.Writer, typ string, data []byte) error {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:])
	crc.Write(data)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc.Sum32())
	for _, b := range [][]byte{hdr[:], data, sum[:]} {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("writing PNG %s chunk: %w", typ, err)
		}
	}
	return nil
}

// ToByte maps a value in [0,1] to a pixel byte, clamping and mapping NaN to 0.
func ToByte(v float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(math.Round(float64(v) * 255))
}
