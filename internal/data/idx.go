package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"
)

// IDX magic numbers of the MNIST family: two zero bytes, the element type
// 0x08 (unsigned byte) and the number of dimensions.
const (
	MagicImages uint32 = 0x00000803 // idx3-ubyte: (N, rows, cols)
	MagicLabels uint32 = 0x00000801 // idx1-ubyte: (N)
)

// DefaultMaxBytes is the largest data section ReadIDX accepts by default
// (2 GiB), far above Fashion-MNIST's 47 MB and far below what a corrupt
// header can claim.
const DefaultMaxBytes int64 = 1 << 31

const (
	typeUbyte = 0x08
	maxDims   = 4 // the MNIST family uses 1 and 3; anything above 4 is garbage
	// readChunk is the first allocation for a data section of unknown
	// actual size; the buffer then doubles as bytes arrive.
	readChunk = 64 << 10
)

// Sentinel errors wrapped by the readers; test with errors.Is.
var (
	ErrTruncated = errors.New("truncated")
	ErrTrailing  = errors.New("trailing data")
	ErrMagic     = errors.New("bad magic number")
	ErrTooLarge  = errors.New("too large")
	ErrMismatch  = errors.New("mismatch")
)

// IDX is one decoded IDX file of unsigned bytes.
type IDX struct {
	Magic uint32 // 0x000008DD, DD the number of dimensions
	Dims  []int  // the sizes, outermost first
	Data  []byte // row-major, product(Dims) bytes
}

// describe renders a header the way error messages quote it.
func describe(magic uint32, dims []int) string {
	switch {
	case magic == MagicImages && len(dims) == 3:
		return fmt.Sprintf("%d images of %dx%d", dims[0], dims[1], dims[2])
	case magic == MagicLabels && len(dims) == 1:
		return fmt.Sprintf("%d labels", dims[0])
	}
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return "dimensions " + strings.Join(s, "x")
}

// mulSat multiplies non-negative sizes, saturating at MaxInt64.
func mulSat(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

// lenner is implemented by bytes.Reader, strings.Reader and bytes.Buffer:
// in-memory readers whose remaining size is known.
type lenner interface{ Len() int }

// knownSize reports how many bytes r has left, or -1 when it cannot tell.
func knownSize(r io.Reader) int64 {
	switch v := r.(type) {
	case lenner:
		return int64(v.Len())
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return fi.Size() - off
	}
	return -1
}

// ReadIDX reads one IDX file of unsigned bytes from r, gzip compressed or
// raw (told apart by the gzip magic 1f 8b). name is the file's name for
// error messages. maxBytes caps the data section (<= 0 means
// DefaultMaxBytes). The header's size is checked against maxBytes and,
// where r's size is known, against that size before any allocation; other
// input is read incrementally, so memory follows the bytes actually present.
func ReadIDX(r io.Reader, name string, maxBytes int64) (*IDX, error) {
	return readIDX(r, name, maxBytes, nil)
}

// readIDX is ReadIDX with check, when not nil, called on the header before
// anything is allocated for the data.
//
// A gzip stream in a regular file is decompressed twice: first to count
// what it really holds (in constant memory, up to what the limit allows),
// then into a buffer of exactly the size the header states, once the count
// has confirmed it. A stream shorter or longer than its header says, or
// corrupt, is thus refused before the data is allocated.
func readIDX(r io.Reader, name string, maxBytes int64, check func(magic uint32, dims []int) error) (*IDX, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	size := knownSize(r)
	unzipped := int64(-1) // the decompressed size, where counted
	countLimit := maxBytes + 4 + 4*maxDims + 1
	if f, ok := r.(*os.File); ok && size >= 2 {
		n, err := countGzip(f, countLimit)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		unzipped = n
	}
	br := bufio.NewReader(r)
	var src io.Reader = br
	compressed := false
	if sig, err := br.Peek(2); err == nil && sig[0] == 0x1f && sig[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: bad gzip header: %w", name, err)
		}
		defer zr.Close()
		src, compressed, size = zr, true, unzipped
	}
	where := "file has"
	if compressed {
		where = "gzip stream holds"
	}

	magic, dims, total, err := readIDXHeader(src, name, where)
	if err != nil {
		return nil, err
	}
	header := int64(4 + 4*len(dims))
	hdr := describe(magic, dims)
	if check != nil {
		if err := check(magic, dims); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if compressed && size >= countLimit && total > maxBytes {
		// the count stopped at the limit: the stream is at least that long
		return nil, fmt.Errorf("%s: %w: header says %s (%d bytes), over the limit of %d bytes", name, ErrTooLarge, hdr, total, maxBytes)
	}
	if size >= 0 {
		payload := size - header
		if payload < total {
			return nil, fmt.Errorf("%s: %w: header says %s (%d bytes), %s %d", name, ErrTruncated, hdr, total, where, payload)
		}
		if payload > total {
			return nil, fmt.Errorf("%s: %w: header says %s (%d bytes), %s %d", name, ErrTrailing, hdr, total, where, payload)
		}
	}
	if total > maxBytes {
		return nil, fmt.Errorf("%s: %w: header says %s (%d bytes), over the limit of %d bytes", name, ErrTooLarge, hdr, total, maxBytes)
	}
	data, err := readUpTo(src, total, size >= 0)
	if err != nil {
		return nil, fmt.Errorf("%s: reading data: %w", name, err)
	}
	if int64(len(data)) < total {
		return nil, fmt.Errorf("%s: %w: header says %s (%d bytes), %s %d", name, ErrTruncated, hdr, total, where, len(data))
	}
	// Read on to the end: a gzip reader checks its CRC only there, and
	// anything after the data means the header lied.
	var one [1]byte
	if n, err := io.ReadFull(src, one[:]); n > 0 {
		return nil, fmt.Errorf("%s: %w: header says %s (%d bytes), but more data follows", name, ErrTrailing, hdr, total)
	} else if err != io.EOF {
		return nil, fmt.Errorf("%s: after %d data bytes: %w", name, total, err)
	}
	return &IDX{Magic: magic, Dims: dims, Data: data}, nil
}

// readIDXHeader reads the magic number and the dimensions of an IDX file
// of unsigned bytes from src and returns them with the number of data bytes
// they describe (saturated at the largest int64). where says what src is,
// for errors ("file has").
func readIDXHeader(src io.Reader, name, where string) (magic uint32, dims []int, total int64, err error) {
	var head [4]byte
	if n, err := io.ReadFull(src, head[:]); err != nil {
		return 0, nil, 0, fmt.Errorf("%s: %w: %s %d bytes, shorter than the 4-byte magic number (%v)", name, ErrTruncated, where, n, err)
	}
	magic = binary.BigEndian.Uint32(head[:])
	nd := int(head[3])
	if head[0] != 0 || head[1] != 0 || head[2] != typeUbyte || nd < 1 || nd > maxDims {
		return 0, nil, 0, fmt.Errorf("%s: %w 0x%08x: not an IDX file of unsigned bytes (want 0x0000080N, N = 1..%d dimensions)", name, ErrMagic, magic, maxDims)
	}
	dimBuf := make([]byte, 4*nd)
	if n, err := io.ReadFull(src, dimBuf); err != nil {
		return 0, nil, 0, fmt.Errorf("%s: %w: header needs %d bytes, %s %d", name, ErrTruncated, 4+4*nd, where, 4+n)
	}
	dims = make([]int, nd)
	total = int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBuf[4*i:])
		dims[i] = int(d)
		total = mulSat(total, int64(d))
	}
	return magic, dims, total, nil
}

// countGzip returns how many bytes the gzip stream in f decompresses to,
// reading at most limit of them (a larger stream counts as limit), or -1
// when f does not start with a gzip header; f is left where it was. A
// corrupt stream (bad CRC, bad deflate data, early end) is an error.
func countGzip(f *os.File, limit int64) (int64, error) {
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1, nil // not seekable: read once, as it comes
	}
	defer f.Seek(off, io.SeekStart)
	br := bufio.NewReader(f)
	if sig, err := br.Peek(2); err != nil || sig[0] != 0x1f || sig[1] != 0x8b {
		return -1, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return -1, fmt.Errorf("bad gzip header: %w", err)
	}
	defer zr.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(zr, limit))
	if err != nil {
		return -1, fmt.Errorf("gzip stream is corrupt after %d bytes: %w", n, err)
	}
	return n, nil
}

// readUpTo reads up to n bytes. Unless the input's size is already known
// to be n (exact), the buffer grows as data arrives, so a header that
// overstates the size costs at most twice the bytes present. It returns
// fewer than n bytes at EOF, and an error only for failures other than the
// end of the input.
func readUpTo(r io.Reader, n int64, exact bool) ([]byte, error) {
	if exact {
		buf := make([]byte, n)
		k, err := io.ReadFull(r, buf)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
		return buf[:k], err
	}
	buf := make([]byte, 0, min(n, readChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// ReadImages reads an idx3-ubyte images file (magic 0x00000803) into an
// unlabelled Dataset called name.
func ReadImages(r io.Reader, name string, maxBytes int64) (*Dataset, error) {
	x, err := ReadIDX(r, name, maxBytes)
	if err != nil {
		return nil, err
	}
	if x.Magic != MagicImages {
		return nil, fmt.Errorf("%s: %w 0x%08x, want 0x%08x (idx3-ubyte images)", name, ErrMagic, x.Magic, MagicImages)
	}
	if x.Dims[1] == 0 || x.Dims[2] == 0 {
		return nil, fmt.Errorf("%s: header says images of %dx%d pixels", name, x.Dims[1], x.Dims[2])
	}
	return &Dataset{Name: name, N: x.Dims[0], H: x.Dims[1], W: x.Dims[2], Pixels: x.Data}, nil
}

// ReadLabels reads an idx1-ubyte labels file (magic 0x00000801).
func ReadLabels(r io.Reader, name string, maxBytes int64) ([]uint8, error) {
	x, err := ReadIDX(r, name, maxBytes)
	if err != nil {
		return nil, err
	}
	if x.Magic != MagicLabels {
		return nil, fmt.Errorf("%s: %w 0x%08x, want 0x%08x (idx1-ubyte labels)", name, ErrMagic, x.Magic, MagicLabels)
	}
	return x.Data, nil
}

// ReadImagesFile reads an idx3-ubyte file, gzip or raw.
func ReadImagesFile(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	defer f.Close()
	return ReadImages(f, path, DefaultMaxBytes)
}

// ReadFiles reads an images file and, unless labelsPath is empty, its
// labels file; the two must agree in count.
func ReadFiles(imagesPath, labelsPath string) (*Dataset, error) {
	return readPair(imagesPath, labelsPath, newOptions(nil))
}

// IDXHeader is the header of an IDX file of unsigned bytes with magic and
// dims: the magic number and each dimension, big-endian.
func IDXHeader(magic uint32, dims []int) ([]byte, error) {
	if int(magic&0xff) != len(dims) || magic>>8 != typeUbyte {
		return nil, fmt.Errorf("write IDX: magic 0x%08x does not fit %d dimensions of unsigned bytes", magic, len(dims))
	}
	hdr := make([]byte, 4+4*len(dims))
	binary.BigEndian.PutUint32(hdr, magic)
	for i, d := range dims {
		if d < 0 || int64(d) > math.MaxUint32 {
			return nil, fmt.Errorf("write IDX: dimension %d is %d, outside 0..2^32-1", i, d)
		}
		binary.BigEndian.PutUint32(hdr[4+4*i:], uint32(d))
	}
	return hdr, nil
}

// WriteIDX writes one IDX file of unsigned bytes: magic, dims, data.
// data must hold product(dims) bytes.
func WriteIDX(w io.Writer, magic uint32, dims []int, data []byte) error {
	hdr, err := IDXHeader(magic, dims)
	if err != nil {
		return err
	}
	total := int64(1)
	for _, d := range dims {
		total = mulSat(total, int64(d))
	}
	if total != int64(len(data)) {
		return fmt.Errorf("write IDX: %s needs %d bytes, got %d", describe(magic, dims), total, len(data))
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("write IDX header: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write IDX data: %w", err)
	}
	return nil
}

// WriteIDXFile writes an IDX file atomically (see WriteFileAtomic), gzip
// compressed when path ends in ".gz".
func WriteIDXFile(path string, magic uint32, dims []int, data []byte) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		if !strings.HasSuffix(path, ".gz") {
			return WriteIDX(w, magic, dims, data)
		}
		zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		if err != nil {
			return err
		}
		// The gzip header carries no name and a zero time, so the same
		// data always gives the same bytes.
		if err := WriteIDX(zw, magic, dims, data); err != nil {
			return err
		}
		return zw.Close()
	})
}
