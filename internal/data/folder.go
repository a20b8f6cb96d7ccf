package data

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"io"
	"os"
	"path/filepath"
	"strings"
)

// readImageFolder reads every file of dir (sorted by name; subdirectories
// and names starting with "." are skipped) as a PNG or JPEG image,
// converts it to 8-bit grayscale (ITU-R BT.601 luma, as color.GrayModel;
// transparent pixels count as black) and returns them as one unlabelled
// dataset. All images must have the same size. The error names the first
// file that does not decode or differs in size. maxBytes caps the total
// pixels (<= 0 means DefaultMaxBytes); sizes are read from the image
// headers before any image is decoded. When h > 0 it refuses images other
// than h x w from their headers.
func readImageFolder(dir string, maxBytes int64, h, w int) (*Dataset, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: filepath.Base(filepath.Clean(dir))}
	first := ""
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		img, err := decodeImage(p, d, first, maxBytes, h, w)
		if err != nil {
			return nil, err
		}
		if first == "" {
			first = p
			d.H, d.W = img.Bounds().Dy(), img.Bounds().Dx()
		}
		d.Pixels = appendGray(d.Pixels, img)
		d.N++
	}
	if d.N == 0 {
		return nil, fmt.Errorf("%s: no PNG or JPEG images, and no MNIST files (train-images-idx3-ubyte[.gz])", dir)
	}
	return d, nil
}

// decodeImage checks p's header against the images read so far (d, whose
// first file is first) and decodes it.
func decodeImage(p string, d *Dataset, first string, maxBytes int64, h, w int) (image.Image, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %w", p, err)
	}
	if first != "" && (cfg.Width != d.W || cfg.Height != d.H) {
		return nil, fmt.Errorf("%s: %dx%d pixels, but %s is %dx%d: all images must be the same size", p, cfg.Width, cfg.Height, first, d.W, d.H)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s: empty %s image (%dx%d)", p, format, cfg.Width, cfg.Height)
	}
	if h > 0 && (cfg.Height != h || cfg.Width != w) {
		return nil, fmt.Errorf("%s: a %s image of %dx%d pixels (width x height), want %dx%d", p, format, cfg.Width, cfg.Height, w, h)
	}
	px := mulSat(int64(cfg.Width), int64(cfg.Height))
	if total := mulSat(int64(d.N+1), px); total > maxBytes {
		return nil, fmt.Errorf("%s: %w: %d images of %dx%d need %d bytes, over the limit of %d", p, ErrTooLarge, d.N+1, cfg.Width, cfg.Height, total, maxBytes)
	}
	// Decoding holds the image in its own pixel format (up to 8 bytes a
	// pixel for 16-bit RGBA) beside the dataset's gray bytes.
	if dec := mulSat(px, bytesPerPixel(cfg.ColorModel)); dec > maxBytes || mulSat(int64(d.N), px) > maxBytes-dec {
		return nil, fmt.Errorf("%s: %w: decoding a %dx%d %s image takes %d bytes, which with the %d bytes already read is over the limit of %d",
			p, ErrTooLarge, cfg.Width, cfg.Height, format, dec, mulSat(int64(d.N), px), maxBytes)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: bad %s image: %w", p, format, err)
	}
	return img, nil
}

// bytesPerPixel is what the standard decoders allocate per pixel for an
// image of color model m; 8 (the largest) for models it does not know.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at most
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// appendGray appends img's pixels in row-major order as 8-bit gray.
func appendGray(dst []uint8, img image.Image) []uint8 {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := g.PixOffset(b.Min.X, y)
			dst = append(dst, g.Pix[i:i+b.Dx()]...)
		}
		return dst
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst = append(dst, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	return dst
}
