package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// remoteFile is one file of a downloadable data set.
type remoteFile struct {
	name   string
	size   int64    // bytes of the official archive; downloads larger than this are cut off
	sha256 []string // accepted SHA-256 sums, the official archive's first
}

// remoteSet is a data set that Open can fetch by name.
type remoteSet struct {
	name    string
	mirrors []string // base URLs, each ending in "/"
	system  []string // directories where a system package installs the files
	train   [2]remoteFile
	test    [2]remoteFile
	hint    string // extra advice for the offline error
}

// knownSets returns the downloadable data sets. The SHA-256 sums are the
// published ones of the official gzip archives (the same the usual loaders
// pin); for Fashion-MNIST the archives of Debian's dataset-fashion-mnist
// package (0.0~git20200523.55506a9-1), which hold the same IDX bytes with a
// gzip header that omits the file name, are accepted too.
func knownSets() map[string]remoteSet {
	return map[string]remoteSet{
		"mnist": {
			name: "mnist",
			mirrors: []string{
				"https://ossci-datasets.s3.amazonaws.com/mnist/",
				"https://storage.googleapis.com/cvdf-datasets/mnist/",
			},
			train: [2]remoteFile{
				{"train-images-idx3-ubyte.gz", 9912422, []string{"440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"}},
				{"train-labels-idx1-ubyte.gz", 28881, []string{"3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"}},
			},
			test: [2]remoteFile{
				{"t10k-images-idx3-ubyte.gz", 1648877, []string{"8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"}},
				{"t10k-labels-idx1-ubyte.gz", 4542, []string{"f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"}},
			},
		},
		"fashion-mnist": {
			name: "fashion-mnist",
			mirrors: []string{
				"https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
				"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
			},
			system: []string{"/usr/share/datasets/fashion-mnist"},
			train: [2]remoteFile{
				{"train-images-idx3-ubyte.gz", 26421880, []string{
					"3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
					"b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"}},
				{"train-labels-idx1-ubyte.gz", 29515, []string{
					"a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
					"0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"}},
			},
			test: [2]remoteFile{
				{"t10k-images-idx3-ubyte.gz", 4422102, []string{
					"346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
					"cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"}},
				{"t10k-labels-idx1-ubyte.gz", 5148, []string{
					"67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
					"8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"}},
			},
			hint: "On Debian, apt-get install dataset-fashion-mnist provides them in /usr/share/datasets/fashion-mnist.",
		},
	}
}

// errChecksum marks a file whose SHA-256 is not one of the accepted sums.
var errChecksum = errors.New("checksum mismatch")

// DefaultCacheDir is where downloads go: os.UserCacheDir()/gan-train.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("data cache directory: %w", err)
	}
	return filepath.Join(d, "gan-train"), nil
}

// fetchSet makes sure both files of one split of set are present and
// verified, and returns their paths (images, labels).
func (o *options) fetchSet(ctx context.Context, set remoteSet, cacheDir string, test bool) (string, string, error) {
	if cacheDir == "" {
		d, err := DefaultCacheDir()
		if err != nil {
			return "", "", err
		}
		cacheDir = d
	}
	dir := filepath.Join(cacheDir, set.name)
	files := set.train
	if test {
		files = set.test
	}
	var paths [2]string
	for i, f := range files {
		p, err := o.ensure(ctx, set, dir, f)
		if err != nil {
			return "", "", err
		}
		paths[i] = p
	}
	return paths[0], paths[1], nil
}

// ensure returns the path of a verified copy of f: in dir, in a system
// directory, or freshly downloaded into dir.
func (o *options) ensure(ctx context.Context, set remoteSet, dir string, f remoteFile) (string, error) {
	p := filepath.Join(dir, f.name)
	if _, err := os.Stat(p); err == nil {
		if err := verifyFile(p, f); err != nil {
			return "", fmt.Errorf("%s: %w; remove it to download it again", set.name, err)
		}
		return p, nil
	}
	for _, sys := range set.system {
		sp := filepath.Join(sys, f.name)
		if _, err := os.Stat(sp); err != nil {
			continue
		}
		if err := verifyFile(sp, f); err != nil {
			o.logger.Warn("ignoring system copy", "dataset", set.name, "err", err)
			continue
		}
		o.logger.Info("using system copy", "dataset", set.name, "path", sp)
		return sp, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%s: %w", set.name, err)
	}
	var tried []string
	for _, base := range set.mirrors {
		url := base + f.name
		o.logger.Info("downloading", "dataset", set.name, "url", url, "to", p)
		if err := o.download(ctx, url, p, f); err != nil {
			o.logger.Warn("download failed", "url", url, "err", err)
			tried = append(tried, err.Error())
			if ctx.Err() != nil {
				break
			}
			continue
		}
		return p, nil
	}
	return "", offlineError(set, dir, f, tried)
}

// offlineError says which files to place where when no mirror answered.
func offlineError(set remoteSet, dir string, f remoteFile, tried []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: cannot download %s", set.name, f.name)
	if len(tried) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(tried, "; "))
	}
	fmt.Fprintf(&b, ".\nTo use %s without network access, place these files in %s:\n", set.name, dir)
	for _, rf := range append(set.train[:], set.test[:]...) {
		fmt.Fprintf(&b, "  %-28s sha256 %s\n", rf.name, rf.sha256[0])
	}
	if set.hint != "" {
		fmt.Fprintf(&b, "%s\n", set.hint)
	}
	fmt.Fprintf(&b, "or pass --data DIR for a directory holding them under these names.")
	return errors.New(b.String())
}

// download fetches url into path atomically, hashing as it writes; the
// file is renamed into place only if its SHA-256 is an accepted one.
func (o *options) download(ctx context.Context, url, path string, f remoteFile) (err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	h := sha256.New()
	var n int64
	werr := WriteFileAtomic(path, func(w io.Writer) error {
		n, err = io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, f.size+1))
		if err != nil {
			return err
		}
		if n > f.size {
			return fmt.Errorf("%s: more than the %d bytes expected", url, f.size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); !slices.Contains(f.sha256, got) {
			return fmt.Errorf("%s: %w: got sha256 %s, want %s", url, errChecksum, got, f.sha256[0])
		}
		return nil
	})
	if werr != nil {
		return werr
	}
	o.logger.Info("downloaded", "url", url, "bytes", n, "path", path)
	return nil
}

// verifyFile checks that path's SHA-256 is one that f accepts.
func verifyFile(path string, f remoteFile) error {
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !slices.Contains(f.sha256, got) {
		return fmt.Errorf("%s: %w: sha256 %s, want %s", path, errChecksum, got, f.sha256[0])
	}
	return nil
}

// discardLogger drops everything; the default when no logger is given.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
