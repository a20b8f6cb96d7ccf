package model

import (
	"errors"
	"fmt"

	"gan-train/internal/enum"
)

// Layer is one dense layer of an MLP: Out units followed by Act.
type Layer struct {
	Out int        `yaml:"out" json:"out"`
	Act Activation `yaml:"act" json:"act"`
}

// Init names a weight initialisation scheme.
type Init string

// Initialisation schemes. Biases always start at zero.
const (
	// Glorot is Glorot and Bengio 2010's uniform scheme,
	// U(-a, a) with a = sqrt(6/(in+out)); TensorFlow's default for dense layers.
	Glorot Init = "glorot"
	// He is He et al. 2015's normal scheme, N(0, 2/in), for ReLU layers.
	He Init = "he"
)

// Valid reports whether i is a known scheme, listing them if not.
func (i Init) Valid() error { return enum.Check("init", i, Glorot, He) }

// String returns the scheme's name.
func (i Init) String() string { return string(i) }

// MarshalText returns the scheme's name.
func (i Init) MarshalText() ([]byte, error) { return []byte(i), nil }

// UnmarshalText accepts glorot and he and rejects other names.
func (i *Init) UnmarshalText(text []byte) error { return enum.Unmarshal(i, text, Init.Valid) }

// MLPSpec describes a multilayer perceptron.
type MLPSpec struct {
	In     int     `yaml:"in" json:"in"`
	Layers []Layer `yaml:"layers" json:"layers"`
	Init   Init    `yaml:"init" json:"init"`

	// MinibatchKernels and MinibatchDims describe a discriminator's
	// minibatch discrimination (Salimans et al. 2016; see
	// MinibatchOps): a dense map without bias of the last hidden
	// layer's output onto kernels*dims values, whose kernels features join
	// that output at the input of the last layer. Both zero (and absent
	// from older checkpoints): none. NewMLP does not build it: NetSpec does.
	MinibatchKernels int `yaml:"minibatch_kernels,omitempty" json:"minibatch_kernels,omitempty"`
	MinibatchDims    int `yaml:"minibatch_dims,omitempty" json:"minibatch_dims,omitempty"`
}

// Validate reports the first problem with s, naming the field.
func (s MLPSpec) Validate() error {
	if s.In <= 0 {
		return fmt.Errorf("input width %d: must be positive", s.In)
	}
	if len(s.Layers) == 0 {
		return errors.New("no layers")
	}
	for i, l := range s.Layers {
		if l.Out <= 0 {
			return fmt.Errorf("layer %d width %d: must be positive", i, l.Out)
		}
		if l.Act > Tanh {
			return fmt.Errorf("layer %d: %v is not a known activation", i, l.Act)
		}
	}
	if s.MinibatchKernels < 0 || s.MinibatchDims < 0 || (s.MinibatchKernels == 0) != (s.MinibatchDims == 0) {
		return fmt.Errorf("minibatch discrimination of %d kernels of %d dims: want both positive or both 0", s.MinibatchKernels, s.MinibatchDims)
	}
	return s.Init.Valid()
}

// Out is the width of the last layer.
func (s MLPSpec) Out() int { return s.Layers[len(s.Layers)-1].Out }

// NumParams is the number of weights and biases.
func (s MLPSpec) NumParams() int {
	n, in := 0, s.In
	for _, l := range s.Layers {
		n += in*l.Out + l.Out
		in = l.Out
	}
	return n
}

// FLOPs is the multiply-add count (times two) of one forward pass per row.
func (s MLPSpec) FLOPs() int {
	n, in := 0, s.In
	for _, l := range s.Layers {
		n += 2 * in * l.Out
		in = l.Out
	}
	return n
}

// NewMLP allocates a Net of spec's dense layers (MLPSpec.Net) for
// batches of up to maxBatch rows. The parameters are zero until
// InitParams or SetState.
func NewMLP(be Backend, spec MLPSpec, maxBatch int) (*Net, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if spec.MinibatchKernels != 0 {
		return nil, errors.New("minibatch discrimination needs a group size: build a Net from a NetSpec")
	}
	return NewNet(be, spec.Net(), maxBatch)
}
