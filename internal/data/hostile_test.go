package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// gzipFile writes an IDX images header for n images of 28x28 followed by
// payload bytes, gzip compressed, to path.
func gzipFile(t *testing.T, path string, n uint32, payload int) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	hdr := []byte{0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28}
	binary.BigEndian.PutUint32(hdr[4:], n)
	zw.Write(hdr)
	zw.Write(make([]byte, payload))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pngHeader is a PNG whose IHDR claims w x h pixels of the given bit depth
// and colour type, followed by an IDAT that could never fill it: enough
// for image.DecodeConfig, which is all a bounded reader may look at.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// Hostile inputs are refused before their claimed size is allocated:
// each case allocates less than 4 MB in all.
func TestHostileInputsAllocateLittle(t *testing.T) {
	tmp := t.TempDir()
	// header: 100,000 images (78 MB); stream: 1,000 images
	short := filepath.Join(tmp, "short", "train-images-idx3-ubyte.gz")
	// header: 1,000 images; stream: 100,000
	long := filepath.Join(tmp, "long", "train-images-idx3-ubyte.gz")
	// a 20000x20000 RGBA PNG and a 30000x30000 16-bit RGBA PNG
	bigPNG := filepath.Join(tmp, "bigpng", "a.png")
	deepPNG := filepath.Join(tmp, "deeppng", "a.png")
	for _, p := range []string{short, long, bigPNG, deepPNG} {
		os.MkdirAll(filepath.Dir(p), 0o755)
	}
	gzipFile(t, short, 100000, 1000*784)
	gzipFile(t, long, 1000, 100000*784)
	os.WriteFile(bigPNG, pngHeader(20000, 20000, 8, 6), 0o644)
	os.WriteFile(deepPNG, pngHeader(30000, 30000, 16, 6), 0o644)
	cases := []struct {
		name, spec string
		opts       []Option
		is         error
		want       string
	}{
		{"gzip shorter than its header", short, nil, ErrTruncated, "gzip stream holds"},
		{"gzip longer than its header", long, nil, ErrTrailing, "gzip stream holds 78400000"},
		{"gzip over the limit", long, []Option{WithMaxBytes(1 << 20)}, nil, "bytes"},
		{"png of the wrong size", filepath.Dir(bigPNG), []Option{WithImageSize(28, 28)}, nil, "want 28x28"},
		{"16-bit png over the limit in its decoded format", filepath.Dir(deepPNG), nil, ErrTooLarge, "decoding a 30000x30000"},
		{"png over a small limit", filepath.Dir(bigPNG), []Option{WithMaxBytes(1 << 30)}, ErrTooLarge, "decoding a 20000x20000"},
	}
	for _, c := range cases {
		var before, after runtimeMem
		before.read()
		_, err := Open(context.Background(), c.spec, tmp, c.opts...)
		after.read()
		if err == nil || (c.is != nil && !errors.Is(err, c.is)) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error (%v) containing %q", c.name, err, c.is, c.want)
			continue
		}
		if got := after.total - before.total; got > 4<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", c.name, got)
		}
	}
}

// A gzip file that holds what its header says reads as before, and the
// exact-size check does not refuse a genuine file.
func TestGzipCountedReadsGenuineFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "train-images-idx3-ubyte.gz")
	pix := make([]byte, 50*784)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	d, _ := New("x", 50, 28, 28, pix, nil)
	if err := d.Save(p, ""); err != nil {
		t.Fatal(err)
	}
	got, err := Open(context.Background(), p, "", WithImageSize(28, 28))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Pixels, pix) {
		t.Error("pixels differ after the counted read")
	}
}

// eioReader returns some bytes, then the error a failing disk gives.
type eioReader struct {
	left    int
	started bool
}

func (r *eioReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, syscall.EIO
	}
	n := min(len(p), r.left)
	for i := range p[:n] {
		p[i] = 0
	}
	if !r.started && n >= 16 { // the first read: a valid header for 78,400 bytes
		copy(p, []byte{0, 0, 8, 3, 0, 0, 0, 100, 0, 0, 0, 28, 0, 0, 0, 28})
	}
	r.started = true
	r.left -= n
	return n, nil
}

// An I/O error part-way through the data is reported as such, naming the
// file, not as a short or corrupt file.
func TestReadIDXIOError(t *testing.T) {
	_, err := ReadIDX(&eioReader{left: 16 + 50000}, "disk/train-images-idx3-ubyte", 0)
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "disk/train-images-idx3-ubyte") {
		t.Fatalf("error %v, want one wrapping EIO and naming the file", err)
	}
}

// A download cut short (the connection drops before Content-Length bytes)
// is not kept: the next mirror serves the file, and when every mirror cuts
// it short the error says so and the cache holds nothing.
func TestTruncatedDownload(t *testing.T) {
	o, _, stop := fakeSet(t, "")
	defer stop()
	good := o.sets["tiny"].mirrors[1]
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(good + strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b[:len(b)/2]) // the server closes the connection short of Content-Length
	}))
	defer cut.Close()
	set := o.sets["tiny"]
	set.mirrors = []string{cut.URL + "/", good}
	o.sets["tiny"] = set
	cache := t.TempDir()
	d, err := open(context.Background(), "tiny", cache, false, o)
	if err != nil || d.N != 3 {
		t.Fatalf("with a good second mirror: %v, %+v; want the 3 images", err, d)
	}
	set.mirrors = []string{cut.URL + "/"}
	o.sets["tiny"] = set
	cache = t.TempDir()
	_, err = open(context.Background(), "tiny", cache, false, o)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Fatalf("every mirror truncated: %v, want an error naming the file", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "tiny")); len(entries) != 0 {
		t.Errorf("cache holds %v after truncated downloads, want nothing", entries)
	}
}
