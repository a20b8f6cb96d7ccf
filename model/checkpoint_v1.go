package model

import "fmt"

// Checkpoint format version 1 differs from version 2 only in how its
// header records the two networks: as an mlpSpec, a list of dense layers
// at their dense widths. It had no place for a maxout layer's pieces (a
// layer of u units and k pieces is listed as u*k units), a layer's
// dropout or minibatch discrimination's group size, so a version 1
// network decodes to an exact NetSpec only when it is made of plain
// dense layers; Checkpoint.CompleteSpecs supplies the rest from the
// configuration the checkpoint stores. Nothing writes version 1 any more.

// headerV1 is a version 1 header: CheckpointHeader with the networks in
// their old form (the outer fields shadow the embedded ones in JSON).
type headerV1 struct {
	CheckpointHeader
	Generator mlpSpec `json:"generator"`
	Discrim   mlpSpec `json:"discriminator"`
}

// mlpSpec is a network as version 1 recorded it.
type mlpSpec struct {
	In     int          `json:"in"`
	Layers []denseLayer `json:"layers"`
	Init   Init         `json:"init"`
	// minibatch discrimination's kernels and dims; 0 (absent) when off
	MinibatchKernels int `json:"minibatch_kernels,omitempty"`
	MinibatchDims    int `json:"minibatch_dims,omitempty"`
}

// denseLayer is one layer of an mlpSpec: Out outputs followed by Act.
type denseLayer struct {
	Out int        `json:"out"`
	Act Activation `json:"act"`
}

// net is s read literally: a plain dense layer per listed layer, and
// minibatch discrimination without its group size (so that a NetSpec
// with minibatch discrimination does not validate until CompleteSpecs
// has supplied it).
func (s mlpSpec) net() NetSpec {
	n := NetSpec{In: s.In, Init: s.Init, Minibatch: MinibatchSpec{Kernels: s.MinibatchKernels, Dims: s.MinibatchDims}}
	for _, l := range s.Layers {
		n.Layers = append(n.Layers, DenseLayer(l.Out, l.Act))
	}
	return n
}

// denseOnly is what version 1 recorded of s, as mlpSpec.net reads it
// back: each layer at its dense width with one piece and no dropout, and
// no minibatch group size.
func denseOnly(s NetSpec) NetSpec {
	d := NetSpec{In: s.In, Init: s.Init, Minibatch: MinibatchSpec{Kernels: s.Minibatch.Kernels, Dims: s.Minibatch.Dims}}
	for _, l := range s.Layers {
		d.Layers = append(d.Layers, DenseLayer(l.dense(), l.Act))
	}
	return d
}

// CompleteSpecs gives a checkpoint read from format version 1 the full
// specs g and d of its generator and discriminator, which the caller
// builds from the configuration stored in the checkpoint: it checks that
// g and d are what the file recorded (what version 1 could record of
// them; the error names the first difference) and puts them in the
// header. On a checkpoint of another version it does nothing.
func (c *Checkpoint) CompleteSpecs(g, d NetSpec) error {
	if c.FormatVersion != 1 {
		return nil
	}
	for _, n := range []struct {
		what      string
		got, want NetSpec
	}{{"configured generator", c.Header.Generator, g}, {"configured discriminator", c.Header.Discrim, d}} {
		got, want := denseOnly(n.got), denseOnly(n.want)
		if err := SameArchitecture(n.what, got, want); err != nil {
			return fmt.Errorf("version 1 checkpoint: %w", err)
		}
		if got.Init != want.Init {
			return fmt.Errorf("version 1 checkpoint: %s initialisation %s, checkpoint has %s", n.what, want.Init, got.Init)
		}
	}
	c.Header.Generator, c.Header.Discrim = g, d
	return nil
}
