package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sampleDiscrim is a discriminator with everything format version 1
// could not record: maxout pieces, dropout, a minibatch group.
func sampleDiscrim() NetSpec {
	return NetSpec{In: 3, Init: He, Minibatch: MinibatchSpec{Kernels: 3, Dims: 2, Group: 4},
		Layers: []NetLayer{{Units: 5, Pieces: 2, Act: Identity, Dropout: 0.5}, DenseLayer(1, Identity)}}
}

func sampleCheckpoint() *Checkpoint {
	return &Checkpoint{
		Header: CheckpointHeader{
			Step: 7, Epoch: 1, BatchInEpoch: 2,
			Counters:  map[string]uint32{"noise": 7, "adam_d": 7, "adam_g": 7},
			Generator: NetSpec{In: 3, Layers: []NetLayer{DenseLayer(2, ReLU), DenseLayer(1, Identity)}, Init: Glorot},
			Discrim:   sampleDiscrim(),
			Config:    json.RawMessage(`{"preset":"tiny"}`),
		},
		Arrays: map[string][]float32{"g": {1, 2, 3}, "d": {-1.5, 0}, "empty": {}},
	}
}

func encode(t testing.TB, c *Checkpoint) []byte {
	var b bytes.Buffer
	if err := c.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := sampleCheckpoint()
	p := filepath.Join(t.TempDir(), "ck")
	if err := c.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCheckpointFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Step != 7 || got.Header.Counters["adam_g"] != 7 || string(got.Header.Config) != `{"preset":"tiny"}` {
		t.Errorf("header %+v, want step 7, adam_g 7 and the config back", got.Header)
	}
	for name, want := range c.Arrays {
		g := got.Arrays[name]
		if len(g) != len(want) {
			t.Fatalf("array %s: %v, want %v", name, g, want)
		}
		for i := range g {
			if g[i] != want[i] {
				t.Errorf("array %s[%d] = %v, want %v", name, i, g[i], want[i])
			}
		}
	}
	if got.FormatVersion != CheckpointVersion {
		t.Errorf("read back as format version %d, want %d", got.FormatVersion, CheckpointVersion)
	}
	// The header records each network whole: maxout pieces, dropout and
	// the minibatch group come back.
	if !reflect.DeepEqual(got.Header.Generator, c.Header.Generator) || !reflect.DeepEqual(got.Header.Discrim, c.Header.Discrim) {
		t.Errorf("networks read back as %+v and %+v, want %+v and %+v", got.Header.Generator, got.Header.Discrim, c.Header.Generator, c.Header.Discrim)
	}
	// CompleteSpecs leaves a current checkpoint alone.
	if err := got.CompleteSpecs(NetSpec{}, NetSpec{}); err != nil || !reflect.DeepEqual(got.Header.Discrim, c.Header.Discrim) {
		t.Errorf("CompleteSpecs on a version %d checkpoint: %v, discriminator %+v", got.FormatVersion, err, got.Header.Discrim)
	}
}

// encodeV1 lays out a format version 1 checkpoint by hand (not with
// Encode, which writes the current version): magic, version, header
// length, the JSON header as given, the arrays, the SHA-256.
func encodeV1(header string, arrays ...[]float32) []byte {
	b := []byte("GANTCKPT")
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	b = append(b, header...)
	for _, a := range arrays {
		for _, v := range a {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// v1Header is a header as version 1 wrote it (the encoding of the old
// MLPSpec), for sampleCheckpoint's networks: the maxout layer of 5 units
// of 2 pieces listed as 10 units, its dropout and the minibatch group
// absent. Activations are numbers: 1 relu, 0 identity.
const v1Header = `{"step":7,"epoch":1,"batch_in_epoch":2,"counters":{"adam_d":7,"adam_g":7,"noise":7},` +
	`"generator":{"in":3,"layers":[{"out":2,"act":1},{"out":1,"act":0}],"init":"glorot"},` +
	`"discriminator":{"in":3,"layers":[{"out":10,"act":0},{"out":1,"act":0}],"init":"he","minibatch_kernels":3,"minibatch_dims":2},` +
	`"config":{"preset":"tiny"},"arrays":[{"name":"g","len":3},{"name":"d","len":2}],"created":"2024-05-01T12:00:00Z","data_sha256":"ab12"}`

// A version 1 checkpoint still reads: its networks convert to NetSpecs
// (exactly for plain dense layers), CompleteSpecs supplies what version
// 1 did not record once it has checked the rest, and it is written back
// as the current version.
func TestCheckpointReadsVersion1(t *testing.T) {
	c, err := DecodeCheckpoint(encodeV1(v1Header, []float32{1, 2, 3}, []float32{-1.5, 0}))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Header
	if c.FormatVersion != 1 || h.Step != 7 || h.BatchInEpoch != 2 || h.Counters["noise"] != 7 ||
		string(h.Config) != `{"preset":"tiny"}` || h.DataSHA256 != "ab12" || h.Created != "2024-05-01T12:00:00Z" {
		t.Errorf("version %d header %+v: want version 1 and the fields as written", c.FormatVersion, h)
	}
	if got, want := c.Arrays["d"], []float32{-1.5, 0}; !reflect.DeepEqual(got, want) || len(c.Arrays["g"]) != 3 {
		t.Errorf("arrays %v, want g of 3 values and d %v", c.Arrays, want)
	}
	want := sampleCheckpoint().Header
	if !reflect.DeepEqual(h.Generator, want.Generator) {
		t.Errorf("generator %+v, want %+v", h.Generator, want.Generator)
	}
	// Read literally, the discriminator has no group size: it must not
	// pass for a network until completed.
	if err := h.Discrim.Validate(); err == nil || !strings.Contains(err.Error(), "minibatch") {
		t.Errorf("uncompleted version 1 discriminator %+v validates (%v); want an error naming minibatch discrimination", h.Discrim, err)
	}

	// A configuration that is not what the file recorded is refused,
	// naming the difference: 3 pieces of 5 units is 15 dense outputs, not 10.
	other := sampleDiscrim()
	other.Layers[0].Pieces = 3
	if err := c.CompleteSpecs(want.Generator, other); err == nil || !strings.Contains(err.Error(), "layer 0") {
		t.Errorf("completing with %+v: error %v, want one naming layer 0", other, err)
	}
	if err := c.CompleteSpecs(want.Generator, want.Discrim); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Header.Discrim, want.Discrim) {
		t.Errorf("completed discriminator %+v, want %+v", c.Header.Discrim, want.Discrim)
	}

	again, err := DecodeCheckpoint(encode(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if again.FormatVersion != CheckpointVersion || !reflect.DeepEqual(again.Header, c.Header) || !reflect.DeepEqual(again.Arrays, c.Arrays) {
		t.Errorf("re-encoded: version %d, header %+v; want version %d and %+v", again.FormatVersion, again.Header, CheckpointVersion, c.Header)
	}
}

// A version 1 header with fields version 1 never had is refused, as any
// header with unknown fields is.
func TestCheckpointVersion1UnknownField(t *testing.T) {
	bad := strings.Replace(v1Header, `"init":"glorot"`, `"init":"glorot","pieces":2`, 1)
	if _, err := DecodeCheckpoint(encodeV1(bad, []float32{1, 2, 3}, []float32{-1.5, 0})); err == nil || !strings.Contains(err.Error(), "pieces") {
		t.Errorf("error %v, want one naming the unknown field", err)
	}
	// and a version 2 header in a version 1 file does not decode
	v2 := strings.Replace(v1Header, `{"out":2,"act":1}`, `{"units":2,"pieces":1,"act":1}`, 1)
	if _, err := DecodeCheckpoint(encodeV1(v2, []float32{1, 2, 3}, []float32{-1.5, 0})); err == nil {
		t.Error("a version 1 file with a version 2 layer decoded")
	}
}

func TestCheckpointCorruption(t *testing.T) {
	good := encode(t, sampleCheckpoint())
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 1
	badVersion := append([]byte(nil), good...)
	badVersion[8] = 9
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"truncated", good[:len(good)-5], "checksum"},
		{"bit flip", flip, "checksum"},
		{"magic", append([]byte("NOTACKPT"), good[8:]...), "magic"},
		{"version", badVersion, "version"},
	}
	for _, c := range cases {
		_, err := DecodeCheckpoint(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestSameArchitectureNamesDifference(t *testing.T) {
	d := sampleDiscrim()
	for _, tc := range []struct {
		mut  func(*NetSpec)
		want string
	}{
		{func(s *NetSpec) { s.In = 4 }, "discriminator input width 4, checkpoint has 3"},
		{func(s *NetSpec) { s.Layers = s.Layers[1:] }, "discriminator has 1 layers, checkpoint has 2"},
		{func(s *NetSpec) { s.Layers[0].Units = 4 },
			"discriminator layer 0 is 4 maxout units of 2 identity pieces, dropout 0.5, checkpoint has 5 maxout units of 2 identity pieces, dropout 0.5"},
		{func(s *NetSpec) { s.Layers[0] = DenseLayer(10, ReLU) }, "layer 0 is 10 relu, checkpoint has 5 maxout"},
		{func(s *NetSpec) { s.Layers[0].Dropout = 0 }, "layer 0 is 5 maxout units of 2 identity pieces, checkpoint has"},
		{func(s *NetSpec) { s.Minibatch.Group = 8 },
			"discriminator has minibatch discrimination of 3 kernels of 2 dims in groups of 8 rows, checkpoint has minibatch discrimination of 3 kernels of 2 dims in groups of 4 rows"},
		{func(s *NetSpec) { s.Minibatch = MinibatchSpec{} }, "discriminator has no minibatch discrimination, checkpoint has minibatch"},
	} {
		b := d
		b.Layers = append([]NetLayer(nil), d.Layers...)
		tc.mut(&b)
		if err := SameArchitecture("discriminator", d, b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	// Only the initialisation differs: the same network.
	b := d
	b.Init = Glorot
	if err := SameArchitecture("discriminator", d, b); err != nil {
		t.Error(err)
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	good := encode(f, sampleCheckpoint())
	f.Add(good)
	f.Add(good[:20])
	f.Add([]byte("GANTCKPT"))
	f.Add(encodeV1(v1Header, []float32{1, 2, 3}, []float32{-1.5, 0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCheckpoint(data)
		if err != nil {
			return
		}
		// Anything accepted in the current version must survive a round
		// trip unchanged; a version 1 file re-encodes to the current
		// version, which must then round-trip.
		again := encode(t, c)
		if c.FormatVersion == CheckpointVersion && !bytes.Equal(again, data) {
			t.Fatalf("accepted checkpoint does not re-encode to the same bytes")
		}
		c2, err := DecodeCheckpoint(again)
		if err != nil {
			t.Fatalf("re-encoded version %d checkpoint does not decode: %v", c.FormatVersion, err)
		}
		if !bytes.Equal(encode(t, c2), again) {
			t.Fatalf("re-encoded version %d checkpoint does not round-trip", c.FormatVersion)
		}
	})
}
