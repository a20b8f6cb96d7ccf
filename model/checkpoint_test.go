package model

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func sampleCheckpoint() *Checkpoint {
	spec := MLPSpec{In: 3, Layers: []Layer{{Out: 2, Act: ReLU}, {Out: 1, Act: Identity}}, Init: Glorot}
	return &Checkpoint{
		Header: CheckpointHeader{
			Step: 7, Epoch: 1, BatchInEpoch: 2,
			Counters:  map[string]uint32{"noise": 7, "adam_d": 7, "adam_g": 7},
			Generator: spec, Discrim: spec,
			Config: json.RawMessage(`{"preset":"tiny"}`),
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
	if err := SameArchitecture("generator", got.Header.Generator, c.Header.Generator); err != nil {
		t.Error(err)
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
	a := MLPSpec{In: 3, Layers: []Layer{{Out: 2, Act: ReLU}}, Init: Glorot}
	b := MLPSpec{In: 3, Layers: []Layer{{Out: 4, Act: ReLU}}, Init: Glorot}
	err := SameArchitecture("generator", a, b)
	if err == nil || !strings.Contains(err.Error(), "layer 0") {
		t.Errorf("error %v, want one naming layer 0", err)
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	good := encode(f, sampleCheckpoint())
	f.Add(good)
	f.Add(good[:20])
	f.Add([]byte("GANTCKPT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCheckpoint(data)
		if err != nil {
			return
		}
		// Anything accepted must survive a round trip unchanged.
		again := encode(t, c)
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted checkpoint does not re-encode to the same bytes")
		}
	})
}
