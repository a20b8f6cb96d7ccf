package train

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// GridPNG renders images (n, ImageSize) with values in [0,1] as a PNG grid
// of cols columns, 28x28 cells separated by a 2-pixel border, scaled by
// zoom.
func GridPNG(images []float32, cols, zoom int) ([]byte, error) {
	n := len(images) / ImageSize
	if n == 0 || cols <= 0 || zoom <= 0 {
		return nil, fmt.Errorf("grid of %d images in %d columns at zoom %d: nothing to draw", n, cols, zoom)
	}
	rows := (n + cols - 1) / cols
	const side, pad = 28, 2
	w, h := cols*(side+pad)+pad, rows*(side+pad)+pad
	img := image.NewGray(image.Rect(0, 0, w*zoom, h*zoom))
	for i := range img.Pix {
		img.Pix[i] = 64
	}
	for k := 0; k < n; k++ {
		ox, oy := pad+(k%cols)*(side+pad), pad+(k/cols)*(side+pad)
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				v := ToByte(images[k*ImageSize+y*side+x])
				for dy := 0; dy < zoom; dy++ {
					for dx := 0; dx < zoom; dx++ {
						img.SetGray((ox+x)*zoom+dx, (oy+y)*zoom+dy, color.Gray{Y: v})
					}
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encoding PNG: %w", err)
	}
	return b.Bytes(), nil
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
