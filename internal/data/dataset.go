package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/bits"

	"gan-train/internal/rng"
)

// ShuffleStream is the Philox stream reserved for epoch permutations; the
// step is the epoch number. Other users of package rng must pick other
// streams.
const ShuffleStream uint32 = 0x53485546 // "SHUF"

// Scale selects the float range pixels are mapped to.
type Scale int

const (
	// Scale01 maps byte v to v/255 in [0,1] (sigmoid generator outputs,
	// Bernoulli binarization).
	Scale01 Scale = iota
	// ScalePM1 maps byte v to v/127.5 - 1 in [-1,1] (tanh outputs).
	ScalePM1
)

// String names the range: "[0,1]" or "[-1,1]".
func (s Scale) String() string {
	switch s {
	case Scale01:
		return "[0,1]"
	case ScalePM1:
		return "[-1,1]"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// Table returns the float value of every byte under s: the table Floats
// and BatchFloats read, and the one a backend gathering bytes is given
// (model.LayoutOps.GatherBytes), so that both give the same bits.
func (s Scale) Table() (*[256]float32, error) {
	var t [256]float32
	for v := range t {
		switch s {
		case Scale01:
			t[v] = float32(float64(v) / 255)
		case ScalePM1:
			t[v] = float32(float64(v)/127.5 - 1)
		default:
			return nil, fmt.Errorf("unknown pixel scale %d", int(s))
		}
	}
	return &t, nil
}

// Dataset is N grayscale images of H x W pixels with optional labels.
type Dataset struct {
	Name    string
	N, H, W int
	Pixels  []uint8 // (N, H*W) row-major, 0 black .. 255 white (MNIST ink is 255)
	Labels  []uint8 // (N) class numbers, or nil when unlabelled
}

// New checks the shapes and returns a Dataset that uses pixels and labels
// (not copies). labels may be nil.
func New(name string, n, h, w int, pixels, labels []uint8) (*Dataset, error) {
	d := &Dataset{Name: name, N: n, H: h, W: w, Pixels: pixels, Labels: labels}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Validate checks that the pixel and label slices match N, H and W.
func (d *Dataset) Validate() error {
	if d.N < 0 || d.H <= 0 || d.W <= 0 {
		return fmt.Errorf("dataset %s: bad shape %d images of %dx%d", d.Name, d.N, d.H, d.W)
	}
	if want := mulSat(int64(d.N), mulSat(int64(d.H), int64(d.W))); int64(len(d.Pixels)) != want {
		return fmt.Errorf("dataset %s: %d images of %dx%d need %d pixels, have %d", d.Name, d.N, d.H, d.W, want, len(d.Pixels))
	}
	if d.Labels != nil && len(d.Labels) != d.N {
		return fmt.Errorf("dataset %s: %d images but %d labels: %w", d.Name, d.N, len(d.Labels), ErrMismatch)
	}
	return nil
}

// Fingerprint identifies the dataset by content: the hex SHA-256 of its
// shape, its pixel bytes and its labels (a flag for their presence, then
// the bytes), as loaded. Two datasets with the same fingerprint train
// identically, whatever their names or paths.
func (d *Dataset) Fingerprint() string {
	h := sha256.New()
	var hdr [25]byte
	binary.LittleEndian.PutUint64(hdr[0:], uint64(d.N))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(d.H))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(d.W))
	if d.Labels != nil {
		hdr[24] = 1
	}
	h.Write(hdr[:])
	h.Write(d.Pixels)
	h.Write(d.Labels)
	return hex.EncodeToString(h.Sum(nil))
}

// FloatsFingerprint fingerprints training data given as float32 images
// and optional labels, for callers that have no Dataset: SHA-256 of
// the values' IEEE bits (little-endian) and the labels.
func FloatsFingerprint(images []float32, labels []uint8) string {
	h := sha256.New()
	fmt.Fprintf(h, "gan-train float32 data %d %d\n", len(images), len(labels))
	buf := make([]byte, 0, 1<<15)
	for _, v := range images {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	h.Write(labels)
	return "f32:" + hex.EncodeToString(h.Sum(nil))
}

// PixelsFingerprint fingerprints 8-bit training images and optional
// labels, for callers that have no Dataset.
func PixelsFingerprint(pixels []uint8, labels []uint8) string {
	h := sha256.New()
	fmt.Fprintf(h, "gan-train uint8 data %d %d\n", len(pixels), len(labels))
	h.Write(pixels)
	h.Write(labels)
	return "u8:" + hex.EncodeToString(h.Sum(nil))
}

// Dim is the number of pixels in one image, H*W.
func (d *Dataset) Dim() int { return d.H * d.W }

// Image returns image i's pixels, (H*W), sharing the dataset's storage.
func (d *Dataset) Image(i int) []uint8 { return d.Pixels[i*d.Dim() : (i+1)*d.Dim()] }

// HasLabels reports whether the dataset is labelled.
func (d *Dataset) HasLabels() bool { return d.Labels != nil }

// ClassCounts returns how many images carry each label, indexed by label
// up to the largest one; nil when unlabelled.
func (d *Dataset) ClassCounts() []int {
	if d.Labels == nil {
		return nil
	}
	var c [256]int
	top := -1
	for _, l := range d.Labels {
		c[l]++
		top = max(top, int(l))
	}
	return append([]int(nil), c[:top+1]...)
}

// Head returns the first n images (all of them if n >= N) as a dataset
// that shares storage with d.
func (d *Dataset) Head(n int) *Dataset {
	n = max(0, min(n, d.N))
	h := *d
	h.N = n
	h.Pixels = d.Pixels[:n*d.Dim()]
	if d.Labels != nil {
		h.Labels = d.Labels[:n]
	}
	return &h
}

// Floats returns all pixels as float32 under scale, row-major (N, H*W).
// An unknown scale gives Scale01.
func (d *Dataset) Floats(scale Scale) []float32 {
	t, err := scale.Table()
	if err != nil {
		t, _ = Scale01.Table()
	}
	out := make([]float32, len(d.Pixels))
	for i, v := range d.Pixels {
		out[i] = t[v]
	}
	return out
}

// StepsPerEpoch is the number of full batches in one epoch, N / batch; the
// last partial batch is dropped. It is 0 when batch <= 0 or batch > N.
func (d *Dataset) StepsPerEpoch(batch int) int {
	if batch <= 0 {
		return 0
	}
	return d.N / batch
}

// Permutation returns this dataset's image order for epoch; see the
// package function Permutation.
func (d *Dataset) Permutation(seed uint64, epoch uint32) []int {
	return Permutation(d.N, seed, epoch)
}

// BatchFloats fills dst, (batch, H*W) with batch = len(dst)/(H*W), with
// the images perm[b*batch : (b+1)*batch] under scale: batch number b of an
// epoch whose order is perm.
func (d *Dataset) BatchFloats(dst []float32, perm []int, b int, scale Scale) error {
	dim := d.Dim()
	if len(dst) == 0 || len(dst)%dim != 0 {
		return fmt.Errorf("dataset %s: batch buffer of %d floats is not a whole number of %d-pixel images", d.Name, len(dst), dim)
	}
	batch := len(dst) / dim
	if b < 0 || (b+1)*batch > len(perm) {
		return fmt.Errorf("dataset %s: batch %d of %d images is outside a permutation of %d", d.Name, b, batch, len(perm))
	}
	t, err := scale.Table()
	if err != nil {
		return fmt.Errorf("dataset %s: %w", d.Name, err)
	}
	for r, i := range perm[b*batch : (b+1)*batch] {
		if i < 0 || i >= d.N {
			return fmt.Errorf("dataset %s: permutation entry %d is outside 0..%d", d.Name, i, d.N-1)
		}
		row := dst[r*dim : (r+1)*dim]
		for k, v := range d.Image(i) {
			row[k] = t[v]
		}
	}
	return nil
}

// Permutation returns a permutation of 0..n-1 that depends only on (seed,
// epoch): a Fisher-Yates shuffle (Knuth, TAOCP vol. 2, Algorithm 3.4.2P)
// whose k-th swap draws j uniformly from 0..i with two Philox draws,
// rng.Block(seed, ShuffleStream, epoch, ...) indices 2k and 2k+1 joined into
// 64 bits and scaled by i+1 (the high word of the product; bias below
// (i+1)/2^64).
func Permutation(n int, seed uint64, epoch uint32) []int {
	p := make([]int, max(n, 0))
	for i := range p {
		p[i] = i
	}
	var blk [4]uint32
	for k, i := 0, n-1; i > 0; k, i = k+1, i-1 {
		if k%2 == 0 {
			blk = rng.Block(seed, ShuffleStream, epoch, k/2)
		}
		u := uint64(blk[2*(k%2)])<<32 | uint64(blk[2*(k%2)+1])
		j, _ := bits.Mul64(u, uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// PermutationFloat32 converts a permutation to the float32 row numbers the
// Backend's GatherRows reads. float32 holds integers exactly only up to
// 2^24, so longer permutations are an error.
func PermutationFloat32(perm []int) ([]float32, error) {
	if len(perm) > 1<<24 {
		return nil, fmt.Errorf("permutation of %d rows: float32 row numbers are exact only up to 2^24", len(perm))
	}
	out := make([]float32, len(perm))
	for i, v := range perm {
		out[i] = float32(v)
	}
	return out, nil
}

// FromFloats quantizes x, (n, h*w) under scale, to a Dataset: values are
// clamped to the scale's range and rounded to the nearest byte; NaN
// becomes 0. It is the way generator samples become an IDX file.
func FromFloats(name string, x []float32, n, h, w int, scale Scale) (*Dataset, error) {
	if n < 0 || h <= 0 || w <= 0 || len(x) != n*h*w {
		return nil, fmt.Errorf("%s: %d floats do not make %d images of %dx%d", name, len(x), n, h, w)
	}
	var lo, span float64
	switch scale {
	case Scale01:
		lo, span = 0, 1
	case ScalePM1:
		lo, span = -1, 2
	default:
		return nil, fmt.Errorf("%s: unknown pixel scale %d", name, int(scale))
	}
	pix := make([]uint8, len(x))
	for i, v := range x {
		f := (float64(v) - lo) / span * 255
		if math.IsNaN(f) {
			f = 0
		}
		pix[i] = uint8(math.Round(math.Max(0, math.Min(255, f))))
	}
	return &Dataset{Name: name, N: n, H: h, W: w, Pixels: pix}, nil
}

// WriteImages writes the images as an idx3-ubyte stream (uncompressed).
func (d *Dataset) WriteImages(w io.Writer) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return WriteIDX(w, MagicImages, []int{d.N, d.H, d.W}, d.Pixels)
}

// WriteLabels writes the labels as an idx1-ubyte stream (uncompressed).
func (d *Dataset) WriteLabels(w io.Writer) error {
	if d.Labels == nil {
		return fmt.Errorf("dataset %s has no labels to write", d.Name)
	}
	return WriteIDX(w, MagicLabels, []int{len(d.Labels)}, d.Labels)
}

// Save writes the images to imagesPath and, unless labelsPath is empty,
// the labels to labelsPath, each atomically and gzip compressed when its
// name ends in ".gz".
func (d *Dataset) Save(imagesPath, labelsPath string) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if err := WriteIDXFile(imagesPath, MagicImages, []int{d.N, d.H, d.W}, d.Pixels); err != nil {
		return err
	}
	if labelsPath == "" {
		return nil
	}
	if d.Labels == nil {
		return fmt.Errorf("dataset %s has no labels to write to %s", d.Name, labelsPath)
	}
	return WriteIDXFile(labelsPath, MagicLabels, []int{d.N}, d.Labels)
}
