// Package golden fingerprints training results so that tests can pin them:
// a refactoring that must leave behaviour unchanged compares the
// fingerprints of a short fixed-seed run with ones recorded before it.
package golden

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"slices"

	"gan-train/model"
)

// Checkpoint returns the SHA-256, in hex, of a checkpoint's training state:
// the step, the data position, the counters and every array (by name, in
// name order, as float32 bits). The configuration, the creation time and
// the data fingerprint are left out, so that a change of the configuration's
// encoding or of the file format does not count as a change of behaviour.
func Checkpoint(ck *model.Checkpoint) string {
	h := sha256.New()
	putInt(h, ck.Header.Step, ck.Header.Epoch, ck.Header.BatchInEpoch)
	names := make([]string, 0, len(ck.Header.Counters))
	for n := range ck.Header.Counters {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h.Write([]byte(n))
		putInt(h, int64(ck.Header.Counters[n]))
	}
	names = names[:0]
	for n := range ck.Arrays {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h.Write([]byte(n))
		putInt(h, int64(len(ck.Arrays[n])))
		putFloats(h, ck.Arrays[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Floats returns the SHA-256, in hex, of x's float32 bits (little-endian).
func Floats(x []float32) string {
	h := sha256.New()
	putInt(h, int64(len(x)))
	putFloats(h, x)
	return hex.EncodeToString(h.Sum(nil))
}

func putInt(h hash.Hash, v ...int64) {
	var b [8]byte
	for _, x := range v {
		binary.LittleEndian.PutUint64(b[:], uint64(x))
		h.Write(b[:])
	}
}

func putFloats(h hash.Hash, x []float32) {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	h.Write(b)
}
