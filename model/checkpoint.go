package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"gan-train/internal/atomicfile"
)

// The checkpoint file format, version 2 (all integers little-endian):
//
//	[0:8)    magic "GANTCKPT"
//	[8:12)   format version (uint32)
//	[12:16)  header length h (uint32)
//	[16:16+h) header, JSON (CheckpointHeader)
//	then, for each entry of header.arrays in order, len float32 values
//	last 32 bytes: SHA-256 of every byte before them
//
// Version 2 records each network as the NetSpec it is built from.
// Version 1, the same layout with networks recorded as dense layers only,
// is still read (see checkpoint_v1.go and Checkpoint.CompleteSpecs);
// Encode writes version 2.
//
// Decoding checks the size, the magic, the version and the checksum before
// it parses anything, and checks that the arrays fill the file exactly.
const (
	checkpointMagic   = "GANTCKPT"
	CheckpointVersion = 2
	maxHeaderBytes    = 16 << 20
	// MaxCheckpointBytes bounds what the decoder accepts (4 GiB).
	MaxCheckpointBytes = 4 << 30
)

// ArrayInfo names one float32 array stored in a checkpoint.
type ArrayInfo struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
}

// CheckpointHeader is everything in a checkpoint but the arrays.
type CheckpointHeader struct {
	Step         int64             `json:"step"`           // steps completed
	Epoch        int64             `json:"epoch"`          // data epoch in progress
	BatchInEpoch int64             `json:"batch_in_epoch"` // batches of that epoch consumed
	Counters     map[string]uint32 `json:"counters"`       // noise step, Adam steps
	Generator    NetSpec           `json:"generator"`
	Discrim      NetSpec           `json:"discriminator"`
	Config       json.RawMessage   `json:"config"` // the resolved run configuration
	Arrays       []ArrayInfo       `json:"arrays"`
	Created      string            `json:"created,omitempty"`
	// DataSHA256 identifies the training data by content (see
	// data.Dataset.Fingerprint); empty in checkpoints written before it
	// existed.
	DataSHA256 string `json:"data_sha256,omitempty"`
}

// Checkpoint is a complete training state.
type Checkpoint struct {
	Header CheckpointHeader
	Arrays map[string][]float32
	// FormatVersion is the format version the checkpoint was decoded
	// from; 0 for one built in memory. Encode writes CheckpointVersion
	// whatever it is.
	FormatVersion uint32
}

// Encode writes c in the checkpoint format. The arrays are written in the
// order of c.Header.Arrays, which Encode fills from c.Arrays when empty
// (sorted by name).
func (c *Checkpoint) Encode(w io.Writer) error {
	h := c.Header
	if len(h.Arrays) == 0 {
		for _, name := range sortedKeys(c.Arrays) {
			h.Arrays = append(h.Arrays, ArrayInfo{name, len(c.Arrays[name])})
		}
	}
	for _, a := range h.Arrays {
		if got := len(c.Arrays[a.Name]); got != a.Len {
			return fmt.Errorf("checkpoint array %q has %d values, header says %d", a.Name, got, a.Len)
		}
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encoding checkpoint header: %w", err)
	}
	sum := sha256.New()
	mw := io.MultiWriter(w, sum)
	var pre [16]byte
	copy(pre[:8], checkpointMagic)
	binary.LittleEndian.PutUint32(pre[8:], CheckpointVersion)
	binary.LittleEndian.PutUint32(pre[12:], uint32(len(hdr)))
	if _, err := mw.Write(pre[:]); err != nil {
		return err
	}
	if _, err := mw.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, a := range h.Arrays {
		for _, v := range c.Arrays[a.Name] {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := mw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	if _, err := mw.Write(buf); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// DecodeCheckpoint parses and verifies a checkpoint held in memory.
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	if len(data) < 16+sha256.Size {
		return nil, fmt.Errorf("too short for a checkpoint (%d bytes)", len(data))
	}
	if string(data[:8]) != checkpointMagic {
		return nil, errors.New("not a gan-train checkpoint (bad magic)")
	}
	v := binary.LittleEndian.Uint32(data[8:])
	if v != CheckpointVersion && v != 1 {
		return nil, fmt.Errorf("checkpoint format version %d, this build reads versions 1 to %d", v, CheckpointVersion)
	}
	body, tail := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], tail) {
		return nil, errors.New("checksum mismatch: the checkpoint is corrupt or truncated")
	}
	h := int(binary.LittleEndian.Uint32(data[12:]))
	if h > maxHeaderBytes || 16+h > len(body) {
		return nil, fmt.Errorf("header length %d does not fit the file", h)
	}
	c := &Checkpoint{Arrays: map[string][]float32{}, FormatVersion: v}
	if err := decodeHeader(&c.Header, body[16:16+h], v); err != nil {
		return nil, fmt.Errorf("checkpoint header: %w", err)
	}
	rest := body[16+h:]
	total := 0
	for _, a := range c.Header.Arrays {
		if a.Len < 0 || a.Len > len(rest)/4 {
			return nil, fmt.Errorf("array %q length %d does not fit the file", a.Name, a.Len)
		}
		if _, dup := c.Arrays[a.Name]; dup {
			return nil, fmt.Errorf("array %q stored twice", a.Name)
		}
		total += a.Len
		if total > len(rest)/4 {
			return nil, errors.New("arrays overrun the file")
		}
		c.Arrays[a.Name] = nil
	}
	if total*4 != len(rest) {
		return nil, fmt.Errorf("arrays hold %d bytes, file has %d", total*4, len(rest))
	}
	for _, a := range c.Header.Arrays {
		v := make([]float32, a.Len)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
		}
		c.Arrays[a.Name] = v
		rest = rest[4*a.Len:]
	}
	return c, nil
}

// WriteFile writes c to path atomically (temporary file, sync, rename).
func (c *Checkpoint) WriteFile(path string) error {
	return atomicfile.Write(path, 0o644, c.Encode)
}

// ReadCheckpointFile reads and verifies the checkpoint at path.
func ReadCheckpointFile(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if st.Size() > MaxCheckpointBytes {
		return nil, fmt.Errorf("checkpoint %s: %d bytes, more than the %d a checkpoint may hold", path, st.Size(), int64(MaxCheckpointBytes))
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w", path, err)
	}
	c, err := DecodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return c, nil
}

// decodeHeader parses the JSON header of a checkpoint of format version
// v into h, refusing unknown fields.
func decodeHeader(h *CheckpointHeader, raw []byte, v uint32) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if v == CheckpointVersion {
		return dec.Decode(h)
	}
	var old headerV1
	if err := dec.Decode(&old); err != nil {
		return err
	}
	*h = old.CheckpointHeader
	h.Generator, h.Discrim = old.Generator.net(), old.Discrim.net()
	return nil
}

// SameArchitecture reports whether got (a checkpoint's) and want (the
// network at hand) describe the same network, with an error naming the
// first difference. The initialisation scheme is not compared: it
// matters only before the first step.
func SameArchitecture(what string, got, want NetSpec) error {
	if got.In != want.In {
		return fmt.Errorf("%s input width %d, checkpoint has %d", what, want.In, got.In)
	}
	if len(got.Layers) != len(want.Layers) {
		return fmt.Errorf("%s has %d layers, checkpoint has %d", what, len(want.Layers), len(got.Layers))
	}
	for i := range got.Layers {
		if got.Layers[i] != want.Layers[i] {
			return fmt.Errorf("%s layer %d is %v, checkpoint has %v", what, i, want.Layers[i], got.Layers[i])
		}
	}
	if got.Minibatch != want.Minibatch && (got.Minibatch.Kernels != 0 || want.Minibatch.Kernels != 0) {
		return fmt.Errorf("%s has %v, checkpoint has %v", what, want.Minibatch, got.Minibatch)
	}
	return nil
}

func sortedKeys(m map[string][]float32) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
