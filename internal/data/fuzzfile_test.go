package data

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadIDXFile feeds the reader regular files, the path on which a gzip
// stream is counted before its data is allocated: no input panics it, a
// gzip file is read exactly as the same bytes from memory are, and what a
// header claims beyond the stream is never allocated (an accepted file
// costs its data once; a refused one, little).
func FuzzReadIDXFile(f *testing.F) {
	f.Add(gzipBytes(f, idxBytes(MagicImages, []uint32{1, 3, 3}, make([]byte, 9))))
	f.Add(gzipBytes(f, idxBytes(MagicImages, []uint32{400, 28, 28}, make([]byte, 64))))
	f.Add(gzipBytes(f, idxBytes(MagicLabels, []uint32{2}, []byte{1, 2, 3, 4})))
	f.Add(idxBytes(MagicLabels, []uint32{3}, []byte{1, 2, 3}))
	const limit = 1 << 24
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		p := filepath.Join(dir, "in")
		if err := os.WriteFile(p, in, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		bound := payloadSize(in, limit+1) + 512<<10
		var before, after runtimeMem
		before.read()
		x, err := ReadIDX(file, "fuzz", limit)
		after.read()
		if got := int64(after.total - before.total); got > bound {
			t.Fatalf("allocated %d bytes for a %d-byte file (bound %d)", got, len(in), bound)
		}
		y, merr := ReadIDX(bytes.NewReader(in), "fuzz", limit)
		if (err == nil) != (merr == nil) {
			t.Fatalf("file read: %v; the same bytes from memory: %v", err, merr)
		}
		if err == nil && (x.Magic != y.Magic || !bytes.Equal(x.Data, y.Data)) {
			t.Fatal("the file and memory reads differ")
		}
	})
}
