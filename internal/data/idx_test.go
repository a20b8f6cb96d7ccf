package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds a raw IDX file: magic, dims, then payload (which need not
// match the dims, so tests can lie).
func idxBytes(magic uint32, dims []uint32, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// onlyReader hides Len so ReadIDX cannot learn the size up front.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestReadIDXBadInput(t *testing.T) {
	pix := make([]byte, 2*3*4)
	for i := range pix {
		pix[i] = byte(i)
	}
	good := idxBytes(MagicImages, []uint32{2, 3, 4}, pix)
	huge := idxBytes(MagicImages, []uint32{4_000_000_000, 28, 28}, make([]byte, 1000))
	tests := []struct {
		name    string
		in      []byte
		hide    bool // hide the size, as for a pipe
		want    error
		wantMsg string
	}{
		{"empty", nil, false, ErrTruncated, "shorter than the 4-byte magic"},
		{"short magic", []byte{0, 0, 8}, false, ErrTruncated, "file has 3 bytes"},
		{"wrong magic", idxBytes(0x12345678, nil, pix), false, ErrMagic, "0x12345678"},
		{"float type", idxBytes(0x00000d03, []uint32{1, 1, 1}, []byte{0, 0, 0, 0}), false, ErrMagic, "0x00000d03"},
		{"zero dims", idxBytes(0x00000800, nil, nil), false, ErrMagic, "0x00000800"},
		{"short header", good[:9], false, ErrTruncated, "header needs 16 bytes"},
		{"truncated raw", good[:len(good)-5], false, ErrTruncated, "header says 2 images of 3x4 (24 bytes), file has 19"},
		{"truncated stream", good[:len(good)-5], true, ErrTruncated, "header says 2 images of 3x4 (24 bytes), file has 19"},
		{"truncated gzip", gzipBytes(t, good[:len(good)-5]), false, ErrTruncated, "gzip stream holds 19"},
		{"trailing raw", append(append([]byte(nil), good...), 7), false, ErrTrailing, "file has 25"},
		{"trailing gzip", gzipBytes(t, append(append([]byte(nil), good...), 7)), false, ErrTrailing, "more data follows"},
		{"4e9 images raw", huge, false, ErrTruncated, "header says 4000000000 images of 28x28 (3136000000000 bytes), file has 1000"},
		{"4e9 images stream", huge, true, ErrTooLarge, "over the limit of 2147483648 bytes"},
		{"4e9 images gzip", gzipBytes(t, huge), false, ErrTooLarge, "3136000000000 bytes"},
		{"overflowing dims", idxBytes(0x00000804, []uint32{1 << 31, 1 << 31, 1 << 31, 1 << 31}, nil), true, ErrTooLarge, "dimensions 2147483648x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bytes.NewReader(tc.in)
			var r interface{ Read([]byte) (int, error) } = br
			if tc.hide {
				r = onlyReader{br}
			}
			_, err := ReadImages(r, "x.idx", 0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "x.idx: ") || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q, want it to start with the file name and contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestReadImagesWrongKind(t *testing.T) {
	labels := idxBytes(MagicLabels, []uint32{3}, []byte{1, 2, 3})
	if _, err := ReadImages(bytes.NewReader(labels), "l", 0); !errors.Is(err, ErrMagic) {
		t.Errorf("labels read as images: error %v, want ErrMagic", err)
	}
	images := idxBytes(MagicImages, []uint32{1, 1, 1}, []byte{9})
	if _, err := ReadLabels(bytes.NewReader(images), "i", 0); !errors.Is(err, ErrMagic) {
		t.Errorf("images read as labels: error %v, want ErrMagic", err)
	}
	flat := idxBytes(MagicImages, []uint32{5, 0, 3}, nil)
	if _, err := ReadImages(bytes.NewReader(flat), "flat", 0); err == nil {
		t.Errorf("images of 0x3 pixels accepted")
	}
}

// A lying gzip header must not make the reader allocate what it claims.
func TestReadIDXGzipLieAllocatesLittle(t *testing.T) {
	in := gzipBytes(t, idxBytes(MagicImages, []uint32{2_000_000, 28, 28}, make([]byte, 5000)))
	var before, after runtimeMem
	before.read()
	_, err := ReadImages(bytes.NewReader(in), "lie.gz", 0)
	after.read()
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("error %v, want ErrTruncated", err)
	}
	if got := after.total - before.total; got > 4<<20 {
		t.Errorf("allocated %d bytes for 5000 bytes of data claiming 1568000000", got)
	}
}

func TestIDXRoundTrip(t *testing.T) {
	d := &Dataset{Name: "rt", N: 3, H: 2, W: 5, Pixels: make([]uint8, 30), Labels: []uint8{7, 0, 9}}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(i * 8)
	}
	dir := t.TempDir()
	for _, ext := range []string{"", ".gz"} {
		ip := filepath.Join(dir, "s-images-idx3-ubyte"+ext)
		lp := filepath.Join(dir, "s-labels-idx1-ubyte"+ext)
		if err := d.Save(ip, lp); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFiles(ip, lp)
		if err != nil {
			t.Fatal(err)
		}
		if got.N != d.N || got.H != d.H || got.W != d.W || !bytes.Equal(got.Pixels, d.Pixels) || !bytes.Equal(got.Labels, d.Labels) {
			t.Errorf("%q: got %d x %dx%d %v %v, want %d x %dx%d %v %v", ext, got.N, got.H, got.W, got.Pixels, got.Labels, d.N, d.H, d.W, d.Pixels, d.Labels)
		}
		raw, _ := os.ReadFile(ip)
		if gz := len(raw) > 1 && raw[0] == 0x1f && raw[1] == 0x8b; gz != (ext == ".gz") {
			t.Errorf("%q: gzip magic present = %v", ext, gz)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("directory holds %d entries, want the 4 files and no temporaries", len(entries))
	}
}

func TestReadFilesCountMismatch(t *testing.T) {
	dir := t.TempDir()
	ip := filepath.Join(dir, "a-images-idx3-ubyte")
	lp := filepath.Join(dir, "a-labels-idx1-ubyte")
	os.WriteFile(ip, idxBytes(MagicImages, []uint32{2, 1, 1}, []byte{1, 2}), 0o644)
	os.WriteFile(lp, idxBytes(MagicLabels, []uint32{3}, []byte{1, 2, 3}), 0o644)
	_, err := ReadFiles(ip, lp)
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "2 images") || !strings.Contains(err.Error(), "3 labels") {
		t.Errorf("error %v, want ErrMismatch naming 2 images and 3 labels", err)
	}
}

func TestWriteIDXRejectsBadShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteIDX(&buf, MagicImages, []int{2, 2, 2}, make([]byte, 7)); err == nil {
		t.Error("7 bytes written as 2x2x2")
	}
	if err := WriteIDX(&buf, MagicImages, []int{8}, make([]byte, 8)); err == nil {
		t.Error("magic for 3 dims written with 1")
	}
}

func TestWriteFileAtomicKeepsOldOnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("old"), 0o644)
	err := WriteFileAtomic(p, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errors.New("disk on fire")
	})
	if err == nil {
		t.Fatal("error lost")
	}
	got, _ := os.ReadFile(p)
	if string(got) != "old" {
		t.Errorf("file holds %q after a failed write, want %q", got, "old")
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("%d entries left, want 1 (no temporary)", len(entries))
	}
}
