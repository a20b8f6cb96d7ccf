package report

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// labelHeight is the band above each frame that carries its step label.
const labelHeight = 16

// holdLast is how many frame delays the last frame stays up before the
// animation loops, so the final grid can be looked at.
const holdLast = 4

// grays is the GIF palette: index i is the gray level i, so converting a
// grayscale pixel to its index is the identity.
var grays = func() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{Y: uint8(i)}
	}
	return p
}()

// ProgressGIF writes an animated GIF, looping forever, with one frame per
// PNG in pngPaths, in the order given, delay apart (the last frame is held
// holdLast times as long). Frames are converted to 256 grays and get a
// label band on top naming the step, taken from the file name
// (step-000200.png gives "step 200", final.png gives "final"). All PNGs
// must have the size of the first.
func ProgressGIF(pngPaths []string, w io.Writer, delay time.Duration) error {
	if len(pngPaths) == 0 {
		return errors.New("progress GIF: no sample grids to animate")
	}
	cs := delay.Milliseconds() / 10 // GIF delays are in 1/100 s
	if cs < 1 || cs*holdLast > 65535 {
		return fmt.Errorf("progress GIF: frame delay %v out of range (10ms to %v)", delay, 65535*10*time.Millisecond/holdLast)
	}
	anim := &gif.GIF{LoopCount: 0}
	var size image.Point
	for i, path := range pngPaths {
		src, err := decodePNG(path)
		if err != nil {
			return err
		}
		b := src.Bounds()
		if i == 0 {
			size = b.Size()
		} else if b.Size() != size {
			return fmt.Errorf("sample grid %s is %dx%d, unlike %s (%dx%d): a GIF's frames share one size",
				path, b.Dx(), b.Dy(), pngPaths[0], size.X, size.Y)
		}
		frame := image.NewPaletted(image.Rect(0, 0, size.X, size.Y+labelHeight), grays)
		grayInto(frame, image.Pt(0, labelHeight), src)
		label(frame, frameLabel(path))
		d := int(cs)
		if i == len(pngPaths)-1 {
			d *= holdLast
		}
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, d)
	}
	if err := gif.EncodeAll(w, anim); err != nil {
		return fmt.Errorf("encoding progress GIF: %w", err)
	}
	return nil
}

func decodePNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sample grid: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("sample grid %s: %w", path, err)
	}
	return img, nil
}

// grayInto copies src into dst (palette grays) with its top-left corner at
// at; a *image.Gray source (what the trainer writes) is copied bytewise.
func grayInto(dst *image.Paletted, at image.Point, src image.Image) {
	b := src.Bounds()
	if g, ok := src.(*image.Gray); ok {
		for y := 0; y < b.Dy(); y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			copy(dst.Pix[(at.Y+y)*dst.Stride+at.X:], row)
		}
		return
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			v := color.GrayModel.Convert(src.At(x, y)).(color.Gray).Y
			dst.Pix[(at.Y+y-b.Min.Y)*dst.Stride+at.X+x-b.Min.X] = v
		}
	}
}

// frameLabel names a frame after its sample file.
func frameLabel(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if s, ok := strings.CutPrefix(name, "step-"); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return "step " + strconv.FormatInt(n, 10)
		}
	}
	return name
}

// label fills the band at the top of frame with dark gray and writes text in
// white with the 7x13 bitmap font.
func label(frame *image.Paletted, text string) {
	band := image.Rect(0, 0, frame.Bounds().Dx(), labelHeight)
	draw.Draw(frame, band, image.NewUniform(color.Gray{Y: 24}), image.Point{}, draw.Src)
	d := font.Drawer{
		Dst:  frame,
		Src:  image.NewUniform(color.Gray{Y: 255}),
		Face: basicfont.Face7x13,
		Dot:  fixed.P(4, labelHeight-4),
	}
	d.DrawString(text)
}
