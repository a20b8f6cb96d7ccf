package model

import (
	"reflect"
	"strings"
	"testing"
)

// A net of dense layers is the MLPSpec it came from, as checkpoints
// record it, with the same parameter count.
func TestMLPSpecNetRoundTrip(t *testing.T) {
	s := MLPSpec{In: 5, Layers: []Layer{{Out: 4, Act: ReLU}, {Out: 3, Act: Tanh}}, Init: He}
	n := s.Net()
	if got := n.Dense(); !reflect.DeepEqual(got, s) {
		t.Errorf("Dense of Net: %+v, want %+v", got, s)
	}
	if n.NumParams() != s.NumParams() {
		t.Errorf("NumParams %d, want %d", n.NumParams(), s.NumParams())
	}
}

// A maxout layer is listed by its dense width and the next layer takes
// its units; T (H, kernels*dims) follows the last layer's parameters.
func TestNetSpecMaxoutMinibatch(t *testing.T) {
	s := NetSpec{In: 6, Init: Glorot, Minibatch: MinibatchSpec{Kernels: 3, Dims: 2, Group: 4},
		Layers: []NetLayer{{Units: 5, Pieces: 2, Dropout: 0.5}, {Units: 1, Pieces: 1}}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	d := s.Dense()
	if d.Layers[0].Out != 10 || d.MinibatchKernels != 3 || d.MinibatchDims != 2 {
		t.Errorf("Dense %+v: want a first layer of 10 and 3 kernels of 2 dims", d)
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
