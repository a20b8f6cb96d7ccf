package data

import (
	"embed"
	"fmt"
)

// embedded holds the default digits (see embedded/README.md).
//
//go:embed embedded
var embedded embed.FS

// Embedded returns split "train" (9,000 digits) or "test" (1,000 held-out
// digits, 100 per class, never for training) of the MNIST digits compiled
// into the binary, 28x28 with labels 0..9. Each call decodes a fresh copy.
func Embedded(split string) (*Dataset, error) {
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("embedded digits: no split %q (want \"train\" or \"test\")", split)
	}
	name := "digits-" + split
	read := func(kind string) (*IDX, error) {
		p := "embedded/" + name + "-" + kind + "-ubyte.gz"
		f, err := embedded.Open(p)
		if err != nil {
			return nil, fmt.Errorf("embedded digits: %w (regenerate with go run ./scripts/mkdigits)", err)
		}
		defer f.Close()
		return ReadIDX(f, p, 0)
	}
	img, err := read("images-idx3")
	if err != nil {
		return nil, err
	}
	lab, err := read("labels-idx1")
	if err != nil {
		return nil, err
	}
	if img.Magic != MagicImages || lab.Magic != MagicLabels {
		return nil, fmt.Errorf("embedded digits %s: %w: images 0x%08x, labels 0x%08x", split, ErrMagic, img.Magic, lab.Magic)
	}
	return New(name, img.Dims[0], img.Dims[1], img.Dims[2], img.Data, lab.Data)
}
