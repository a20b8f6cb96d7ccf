package eval

import (
	"errors"
	"fmt"
	"math"

	"gan-train/internal/data"
)

// Classes is the number of digit classes.
const Classes = data.Classes

// Images is a set of n greyscale images of D pixels each, scaled to [0, 1],
// with optional class labels.
type Images struct {
	Pix    []float32 // (N, D), row-major, values in [0, 1]
	N, D   int
	Labels []int // (N) classes in [0, Classes), or nil when unknown
}

// FromBytes converts n images of d bytes each (0..255) to Images scaled to
// [0, 1]. pix is (n, d); labels is (n) or nil.
func FromBytes(pix []uint8, n, d int, labels []uint8) (Images, error) {
	if n <= 0 || d <= 0 {
		return Images{}, fmt.Errorf("images: shape (%d, %d): both must be positive", n, d)
	}
	if len(pix) != n*d {
		return Images{}, fmt.Errorf("images: %d bytes, want %d*%d = %d", len(pix), n, d, n*d)
	}
	if labels != nil && len(labels) != n {
		return Images{}, fmt.Errorf("images: %d labels for %d images", len(labels), n)
	}
	im := Images{Pix: make([]float32, n*d), N: n, D: d}
	for i, v := range pix {
		im.Pix[i] = float32(v) / 255
	}
	if labels != nil {
		im.Labels = make([]int, n)
		for i, l := range labels {
			if int(l) >= Classes {
				return Images{}, fmt.Errorf("images: label %d of image %d outside [0, %d)", l, i, Classes)
			}
			im.Labels[i] = int(l)
		}
	}
	return im, nil
}

// FromFloats wraps n images of d float32 pixels in [0, 1] (not copied).
// pix is (n, d). Values outside [0, 1] or NaN are an error: generators with
// a tanh output must map [-1, 1] to [0, 1] first.
func FromFloats(pix []float32, n, d int) (Images, error) {
	if n <= 0 || d <= 0 {
		return Images{}, fmt.Errorf("images: shape (%d, %d): both must be positive", n, d)
	}
	if len(pix) != n*d {
		return Images{}, fmt.Errorf("images: %d values, want %d*%d = %d", len(pix), n, d, n*d)
	}
	for i, v := range pix {
		if !(v >= 0 && v <= 1) {
			return Images{}, fmt.Errorf("images: pixel %d of image %d is %v, want a value in [0, 1]", i%d, i/d, v)
		}
	}
	return Images{Pix: pix, N: n, D: d}, nil
}

// Slice returns images [lo, hi) sharing memory with im.
func (im Images) Slice(lo, hi int) Images {
	out := Images{Pix: im.Pix[lo*im.D : hi*im.D], N: hi - lo, D: im.D}
	if im.Labels != nil {
		out.Labels = im.Labels[lo:hi]
	}
	return out
}

// float64s returns the pixels as float64 (N, D).
func (im Images) float64s() []float64 {
	out := make([]float64, len(im.Pix))
	for i, v := range im.Pix {
		out[i] = float64(v)
	}
	return out
}

// side is the width of a square image of D pixels, or 0 when D is not a square.
func (im Images) side() int {
	s := int(math.Round(math.Sqrt(float64(im.D))))
	if s*s != im.D {
		return 0
	}
	return s
}

// FromDataset converts a data.Dataset (bytes, 0..255) to Images in [0, 1],
// keeping its labels when it has them.
func FromDataset(d *data.Dataset) (Images, error) {
	if d == nil {
		return Images{}, errors.New("images: no dataset")
	}
	im, err := FromBytes(d.Pixels, d.N, d.Dim(), d.Labels)
	if err != nil {
		return Images{}, fmt.Errorf("dataset %q: %w", d.Name, err)
	}
	return im, nil
}
