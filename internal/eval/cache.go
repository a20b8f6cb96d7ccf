package eval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"

	"gan-train/internal/atomicfile"
	"gan-train/model"
)

// ClassifierFormatVersion is the version of the cached classifier file. It
// is part of the cache key: changing the format or the training code in a
// way that changes results means bumping it, and every cache goes stale.
// Version 2 records the network as a model.NetSpec (version 1: the dense
// layers' "out" widths); a version 1 file is stale and retrained.
const ClassifierFormatVersion = 2

// classifierMagic opens every cached classifier file.
var classifierMagic = [8]byte{'G', 'A', 'N', 'C', 'L', 'F', 0, '\n'}

// classifierHeader is the JSON header of a cached classifier.
type classifierHeader struct {
	FormatVersion int         `json:"format_version"`
	Key           string      `json:"key"`
	Classifier    *Classifier `json:"classifier"`
	NumParams     int         `json:"num_params"`
}

// ClassifierKey is the cache key of a classifier: the SHA-256 of the format
// version, the configuration (with defaults filled in) and the training and
// test images and labels. Any change to them makes a cached classifier stale.
func ClassifierKey(train, test Images, cfg ClassifierConfig) string {
	h := sha256.New()
	cfgJSON, _ := json.Marshal(cfg.withDefaults()) // plain struct: cannot fail
	fmt.Fprintf(h, "gan-train eval classifier v%d\n%s\n", ClassifierFormatVersion, cfgJSON)
	for _, im := range []Images{train, test} {
		fmt.Fprintf(h, "%d %d %t\n", im.N, im.D, im.Labels != nil)
		var b [4]byte
		for _, v := range im.Pix {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
		for _, l := range im.Labels {
			h.Write([]byte{byte(l)})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

var cacheName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ClassifierPath is where LoadOrTrainClassifier keeps the classifier of the
// dataset called name under dir.
func ClassifierPath(dir, name string) (string, error) {
	if !cacheName.MatchString(name) {
		return "", fmt.Errorf("classifier cache: dataset name %q: want letters, digits, '.', '_' or '-'", name)
	}
	return filepath.Join(dir, "classifier-"+name+".bin"), nil
}

// LoadOrTrainClassifier returns the classifier of the dataset called name,
// cached under dir: it is loaded when the cached file is present, intact
// and its key (ClassifierKey) matches; otherwise it is trained on train,
// measured on test and written atomically (temporary file, sync, rename).
// trained reports whether training happened. A damaged or stale file is
// logged and replaced, never trusted; a cache that cannot be written is
// logged and the fresh classifier returned all the same.
func LoadOrTrainClassifier(ctx context.Context, be model.Backend, dir, name string, train, test Images, cfg ClassifierConfig, log *slog.Logger) (c *Classifier, trained bool, err error) {
	if log == nil {
		log = slog.Default()
	}
	path, err := ClassifierPath(dir, name)
	if err != nil {
		return nil, false, err
	}
	key := ClassifierKey(train, test, cfg)
	c, err = LoadClassifier(path, key)
	switch {
	case err == nil:
		log.Debug("loaded the cached digit classifier", "path", path, "test_accuracy", c.TestAccuracy)
		return c, false, nil
	case errors.Is(err, os.ErrNotExist):
		log.Info("no cached digit classifier: training one", "path", path)
	default:
		log.Warn("cached digit classifier unusable: retraining", "path", path, "reason", err)
	}
	c, err = TrainClassifier(ctx, be, train, test, cfg, log)
	if err != nil {
		return nil, false, err
	}
	// The cache only saves time: failing to write it is worth a warning,
	// not the evaluation.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Warn("cannot cache the digit classifier", "dir", dir, "err", err)
	} else if err := SaveClassifier(path, key, c); err != nil {
		log.Warn("cannot cache the digit classifier", "path", path, "err", err)
	}
	return c, true, nil
}

// ErrStale is returned by LoadClassifier when the file is intact but was
// made for other data, another configuration or another format version.
var ErrStale = errors.New("stale classifier")

// SaveClassifier writes c to path atomically under the cache key key.
// Layout: the 8-byte magic, a little-endian uint32 header length, the JSON
// header, the parameters as little-endian float32, and the SHA-256 of all
// the preceding bytes.
func SaveClassifier(path, key string, c *Classifier) error {
	hdr, err := json.Marshal(classifierHeader{FormatVersion: ClassifierFormatVersion, Key: key, Classifier: c, NumParams: len(c.Params)})
	if err != nil {
		return fmt.Errorf("saving the classifier: %w", err)
	}
	var buf bytes.Buffer
	buf.Write(classifierMagic[:])
	binary.Write(&buf, binary.LittleEndian, uint32(len(hdr)))
	buf.Write(hdr)
	binary.Write(&buf, binary.LittleEndian, c.Params)
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	if err := atomicfile.WriteBytes(path, 0o644, buf.Bytes()); err != nil {
		return fmt.Errorf("saving the classifier: %w", err)
	}
	return nil
}

// plainDense reports whether s is made of plain dense layers only, the
// network Classifier's forward pass runs.
func plainDense(s model.NetSpec) bool {
	for _, l := range s.Layers {
		if l.Pieces != 1 || l.Dropout != 0 {
			return false
		}
	}
	return s.Minibatch.Kernels == 0
}

// LoadClassifier reads a classifier written by SaveClassifier, verifying
// its checksum before parsing anything. With a non-empty key, a file made
// under another key (or another format version) gives an error wrapping
// ErrStale. A missing file gives an error wrapping os.ErrNotExist.
func LoadClassifier(path, key string) (*Classifier, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading the classifier: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("loading the classifier: %w", err)
	}
	const maxSize = 1 << 30
	if st.Size() < int64(len(classifierMagic))+4+sha256.Size || st.Size() > maxSize {
		return nil, fmt.Errorf("loading the classifier %s: size %d bytes is not that of a classifier file", path, st.Size())
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("loading the classifier %s: %w", path, err)
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !bytes.Equal(body[:8], classifierMagic[:]) {
		return nil, fmt.Errorf("loading the classifier %s: not a classifier file (bad magic)", path)
	}
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("loading the classifier %s: checksum mismatch (damaged file)", path)
	}
	hlen := int(binary.LittleEndian.Uint32(body[8:12]))
	if hlen > len(body)-12 {
		return nil, fmt.Errorf("loading the classifier %s: header length %d exceeds the file", path, hlen)
	}
	// The version first: the rest of a header of another version may
	// mean something else under the same names.
	var version struct {
		FormatVersion int `json:"format_version"`
	}
	if err := json.Unmarshal(body[12:12+hlen], &version); err != nil {
		return nil, fmt.Errorf("loading the classifier %s: header: %w", path, err)
	}
	if version.FormatVersion != ClassifierFormatVersion {
		return nil, fmt.Errorf("loading the classifier %s: format version %d, want %d: %w", path, version.FormatVersion, ClassifierFormatVersion, ErrStale)
	}
	var hdr classifierHeader
	dec := json.NewDecoder(bytes.NewReader(body[12 : 12+hlen]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hdr); err != nil {
		return nil, fmt.Errorf("loading the classifier %s: header: %w", path, err)
	}
	if key != "" && hdr.Key != key {
		return nil, fmt.Errorf("loading the classifier %s: made for other data or settings: %w", path, ErrStale)
	}
	c := hdr.Classifier
	if c == nil {
		return nil, fmt.Errorf("loading the classifier %s: header holds no classifier", path)
	}
	if err := c.Spec.Validate(); err != nil || len(c.Spec.Layers) < 2 || c.Spec.Out() != Classes || !plainDense(c.Spec) {
		return nil, fmt.Errorf("loading the classifier %s: network %+v is not a digit classifier of dense layers with a hidden layer (%v)", path, c.Spec, err)
	}
	raw := body[12+hlen:]
	if hdr.NumParams != c.Spec.NumParams() || len(raw) != 4*hdr.NumParams {
		return nil, fmt.Errorf("loading the classifier %s: %d parameter bytes for %d parameters, network needs %d", path, len(raw), hdr.NumParams, c.Spec.NumParams())
	}
	c.Params = make([]float32, hdr.NumParams)
	for i := range c.Params {
		c.Params[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return c, nil
}
