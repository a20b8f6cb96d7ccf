package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoTestSplit is returned by OpenTest for sources without a held-out set.
var ErrNoTestSplit = errors.New("no held-out test split")

// Option adjusts Open and OpenTest.
type Option func(*options)

type options struct {
	client   *http.Client
	logger   *slog.Logger
	maxBytes int64
	sets     map[string]remoteSet
	h, w     int // required image size; 0: any
}

// WithImageSize makes Open and OpenTest refuse images of any other size,
// from the file headers, before the pixels are read or decoded.
func WithImageSize(h, w int) Option { return func(o *options) { o.h, o.w = h, w } }

// WithHTTPClient sets the client for downloads (default http.DefaultClient;
// cancel through the context passed to Open).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithLogger sets where download progress is logged (default: nowhere).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithMaxBytes caps the pixels one dataset may hold (default DefaultMaxBytes).
func WithMaxBytes(n int64) Option { return func(o *options) { o.maxBytes = n } }

func newOptions(opts []Option) *options {
	o := &options{client: http.DefaultClient, logger: discardLogger(), maxBytes: DefaultMaxBytes, sets: knownSets()}
	for _, f := range opts {
		f(o)
	}
	return o
}

// Open resolves spec (the --data flag) to the training data; see the
// package overview for the forms it takes. cacheDir is where named data
// sets are downloaded to ("" means DefaultCacheDir).
func Open(ctx context.Context, spec, cacheDir string, opts ...Option) (*Dataset, error) {
	return open(ctx, spec, cacheDir, false, newOptions(opts))
}

// OpenTest resolves spec like Open but returns its held-out test split:
// the embedded test digits for "" and "digits", the t10k files for
// "mnist", "fashion-mnist" and MNIST-style directories, and for an images
// file named train-* (or *-train-*) the t10k-* (or *-test-*) file beside
// it. It returns an error wrapping ErrNoTestSplit where there is none.
func OpenTest(ctx context.Context, spec, cacheDir string, opts ...Option) (*Dataset, error) {
	return open(ctx, spec, cacheDir, true, newOptions(opts))
}

func open(ctx context.Context, spec, cacheDir string, test bool, o *options) (*Dataset, error) {
	split := "train"
	if test {
		split = "test"
	}
	if spec == "" {
		return Embedded(split)
	}
	fi, statErr := os.Stat(spec)
	if statErr != nil && !errors.Is(statErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("--data %s: %w", spec, statErr)
	}
	var d *Dataset
	var err error
	switch {
	case statErr == nil && fi.IsDir():
		d, err = openDir(spec, test, o)
	case statErr == nil:
		d, err = openFile(spec, test, o)
	case spec == "digits":
		return Embedded(split)
	case o.sets[spec].name != "":
		var ip, lp string
		if ip, lp, err = o.fetchSet(ctx, o.sets[spec], cacheDir, test); err == nil {
			d, err = readPair(ip, lp, o)
			if d != nil {
				d.Name = spec + "-" + split
			}
		}
	case strings.Contains(spec, ","):
		if test {
			return nil, fmt.Errorf("--data %s: an explicit images,labels pair: %w", spec, ErrNoTestSplit)
		}
		ip, lp, _ := strings.Cut(spec, ",")
		d, err = readPair(ip, lp, o)
	default:
		return nil, fmt.Errorf("--data %s: no such file or directory, and not a known name (digits, mnist, fashion-mnist)", spec)
	}
	if err != nil {
		return nil, err
	}
	if d.N == 0 {
		return nil, fmt.Errorf("--data %s: no images", spec)
	}
	return d, nil
}

// mnistNames are the MNIST file names of one split: images stems, labels
// stems (the second spelling is Kaggle's), each also with ".gz".
func mnistNames(test bool) (images, labels []string) {
	p := "train"
	if test {
		p = "t10k"
	}
	return []string{p + "-images-idx3-ubyte", p + "-images.idx3-ubyte"},
		[]string{p + "-labels-idx1-ubyte", p + "-labels.idx1-ubyte"}
}

// findFile returns the first of dir/stem and dir/stem.gz that exists.
func findFile(dir string, stems []string) string {
	for _, s := range stems {
		for _, name := range []string{s, s + ".gz"} {
			p := filepath.Join(dir, name)
			if _, err := os.Lstat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

// openDir reads an MNIST-style directory, or else an image folder.
func openDir(dir string, test bool, o *options) (*Dataset, error) {
	is, ls := mnistNames(test)
	if ip := findFile(dir, is); ip != "" {
		return readPair(ip, findFile(dir, ls), o)
	}
	trainImages, _ := mnistNames(false)
	if test {
		if findFile(dir, trainImages) != "" {
			return nil, fmt.Errorf("%s: has training files but no t10k-images-idx3-ubyte[.gz]: %w", dir, ErrNoTestSplit)
		}
		return nil, fmt.Errorf("%s: an image folder: %w", dir, ErrNoTestSplit)
	}
	return readImageFolder(dir, o.maxBytes, o.h, o.w)
}

// openFile reads an explicit IDX images file and the labels beside it.
func openFile(path string, test bool, o *options) (*Dataset, error) {
	if test {
		dir, base := filepath.Split(path)
		var tb string
		switch {
		case strings.HasPrefix(base, "train-"):
			tb = "t10k-" + strings.TrimPrefix(base, "train-")
		case strings.Contains(base, "-train-"):
			tb = strings.Replace(base, "-train-", "-test-", 1)
		}
		tp := filepath.Join(dir, tb)
		if _, err := os.Stat(tp); tb == "" || err != nil {
			return nil, fmt.Errorf("%s: no test file beside it: %w", path, ErrNoTestSplit)
		}
		path = tp
	}
	return readPair(path, labelsBeside(path), o)
}

// labelsBeside names the labels file for an images file by the MNIST
// convention (images-idx3 -> labels-idx1, with or without .gz), or "".
func labelsBeside(images string) string {
	dir, base := filepath.Split(images)
	for _, r := range [][2]string{{"images-idx3", "labels-idx1"}, {"images.idx3", "labels.idx1"}} {
		if !strings.Contains(base, r[0]) {
			continue
		}
		stem := strings.TrimSuffix(strings.Replace(base, r[0], r[1], 1), ".gz")
		return findFile(dir, []string{stem})
	}
	return ""
}

// readPair reads an images file and, unless labels is "", its labels.
func readPair(images, labels string, o *options) (*Dataset, error) {
	read := func(p string) (*IDX, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readIDX(f, p, o.maxBytes, func(magic uint32, dims []int) error {
			if p != images || o.h == 0 || magic != MagicImages || len(dims) != 3 {
				return nil
			}
			if dims[1] != o.h || dims[2] != o.w {
				return fmt.Errorf("header says images of %dx%d pixels, want %dx%d", dims[1], dims[2], o.h, o.w)
			}
			return nil
		})
	}
	x, err := read(images)
	if err != nil {
		return nil, err
	}
	if x.Magic != MagicImages {
		return nil, fmt.Errorf("%s: %w 0x%08x, want 0x%08x (idx3-ubyte images)", images, ErrMagic, x.Magic, MagicImages)
	}
	d, err := New(filepath.Base(images), x.Dims[0], x.Dims[1], x.Dims[2], x.Data, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", images, err)
	}
	if labels == "" {
		return d, nil
	}
	y, err := read(labels)
	if err != nil {
		return nil, err
	}
	if y.Magic != MagicLabels {
		return nil, fmt.Errorf("%s: %w 0x%08x, want 0x%08x (idx1-ubyte labels)", labels, ErrMagic, y.Magic, MagicLabels)
	}
	if len(y.Data) != d.N {
		return nil, fmt.Errorf("%s has %d images but %s has %d labels: %w", images, d.N, labels, len(y.Data), ErrMismatch)
	}
	d.Labels = y.Data
	return d, nil
}
