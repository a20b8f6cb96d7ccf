package data

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// payloadSize is what the input really holds: its length, or for gzip the
// length it inflates to (capped at limit).
func payloadSize(in []byte, limit int64) int64 {
	if len(in) < 2 || in[0] != 0x1f || in[1] != 0x8b {
		return int64(len(in))
	}
	zr, err := gzip.NewReader(bytes.NewReader(in))
	if err != nil {
		return 0
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(zr, limit))
	return n
}

// FuzzReadIDX checks that no input panics the reader, that accepted input
// is self-consistent, and that memory follows the bytes the input holds,
// not what its header claims. Seeds live in testdata/fuzz/FuzzReadIDX.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(MagicImages, []uint32{2, 2, 2}, make([]byte, 8)))
	f.Add(idxBytes(MagicLabels, []uint32{3}, []byte{1, 2, 3}))
	f.Add(gzipBytes(f, idxBytes(MagicImages, []uint32{1, 3, 3}, make([]byte, 9))))
	f.Add(gzipBytes(f, idxBytes(MagicImages, []uint32{4_000_000_000, 28, 28}, make([]byte, 64))))
	const limit = 1 << 24
	f.Fuzz(func(t *testing.T, in []byte) {
		bound := 2*payloadSize(in, limit+1) + 512<<10
		for _, hide := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(in)
			if hide {
				r = onlyReader{bytes.NewReader(in)}
			}
			var before, after runtimeMem
			before.read()
			x, err := ReadIDX(r, "fuzz", limit)
			after.read()
			if got := int64(after.total - before.total); got > bound {
				t.Fatalf("allocated %d bytes for a %d-byte input (bound %d)", got, len(in), bound)
			}
			if err != nil {
				continue
			}
			want := int64(1)
			for _, d := range x.Dims {
				want *= int64(d)
			}
			if int64(len(x.Data)) != want || int(x.Magic&0xff) != len(x.Dims) {
				t.Fatalf("accepted magic 0x%08x dims %v with %d data bytes", x.Magic, x.Dims, len(x.Data))
			}
			// What was read writes back to the same raw bytes.
			var buf bytes.Buffer
			if err := WriteIDX(&buf, x.Magic, x.Dims, x.Data); err != nil {
				t.Fatal(err)
			}
			if in[0] != 0x1f && !bytes.Equal(buf.Bytes(), in) {
				t.Fatalf("round trip changed the raw input")
			}
		}
	})
}
