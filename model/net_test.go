package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// What format version 1 recorded of a network reads back as the network
// itself when it is made of plain dense layers, with the same parameter
// count; a maxout layer is listed at its dense width.
func TestDenseOnly(t *testing.T) {
	s := NetSpec{In: 5, Layers: []NetLayer{DenseLayer(4, ReLU), DenseLayer(3, Tanh)}, Init: He}
	if got := denseOnly(s); !reflect.DeepEqual(got, s) {
		t.Errorf("denseOnly of a dense net: %+v, want %+v", got, s)
	}
	v1 := mlpSpec{In: 5, Layers: []denseLayer{{4, ReLU}, {3, Tanh}}, Init: He}
	if got := v1.net(); !reflect.DeepEqual(got, s) || got.NumParams() != 5*4+4+4*3+3 {
		t.Errorf("version 1 spec reads as %+v with %d parameters, want %+v", got, got.NumParams(), s)
	}
	m := NetSpec{In: 6, Init: Glorot, Minibatch: MinibatchSpec{Kernels: 3, Dims: 2, Group: 4},
		Layers: []NetLayer{{Units: 5, Pieces: 2, Dropout: 0.5}, DenseLayer(1, Identity)}}
	want := NetSpec{In: 6, Init: Glorot, Minibatch: MinibatchSpec{Kernels: 3, Dims: 2},
		Layers: []NetLayer{DenseLayer(10, Identity), DenseLayer(1, Identity)}}
	if got := denseOnly(m); !reflect.DeepEqual(got, want) {
		t.Errorf("denseOnly of a maxout net: %+v, want %+v", got, want)
	}
}

// A NetSpec's JSON names every field, leaves out what is off, and reads
// back to the same spec.
func TestNetSpecJSON(t *testing.T) {
	plain := NetSpec{In: 2, Layers: []NetLayer{DenseLayer(1, Sigmoid)}, Init: Glorot}
	b, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"in":2,"layers":[{"units":1,"pieces":1,"act":3}],"init":"glorot"}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	full := NetSpec{In: 6, Init: He, Minibatch: MinibatchSpec{Kernels: 3, Dims: 2, Group: 4},
		Layers: []NetLayer{{Units: 5, Pieces: 2, Dropout: 0.5}, DenseLayer(1, Identity)}}
	for _, s := range []NetSpec{plain, full} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got NetSpec
		if err := json.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("%s reads back as %+v (%v), want %+v", b, got, err, s)
		}
	}
}

// A maxout layer has Units*Pieces dense outputs and the next layer takes
// its units; T (H, kernels*dims) follows the last layer's parameters.
func TestNetSpecMaxoutMinibatch(t *testing.T) {
	s := NetSpec{In: 6, Init: Glorot, Minibatch: MinibatchSpec{Kernels: 3, Dims: 2, Group: 4},
		Layers: []NetLayer{{Units: 5, Pieces: 2, Dropout: 0.5}, {Units: 1, Pieces: 1}}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	// W0 (6, 10) + b0 (10), W1 (5+3, 1) + b1 (1), T (5, 6)
	if want := 6*10 + 10 + 8 + 1 + 5*6; s.NumParams() != want {
		t.Errorf("NumParams %d, want %d", s.NumParams(), want)
	}
	for _, tc := range []struct {
		mut  func(*NetSpec)
		want string
	}{
		{func(s *NetSpec) { s.Minibatch.Group = 0 }, "minibatch"},
		{func(s *NetSpec) { s.Layers[0].Pieces = 0 }, "maxout pieces"},
		{func(s *NetSpec) { s.Layers[0].Dropout = 1 }, "dropout"},
	} {
		b := s
		b.Layers = append([]NetLayer(nil), s.Layers...)
		tc.mut(&b)
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %q", err, tc.want)
		}
	}
}
