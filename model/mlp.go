package model

import (
	"errors"
	"fmt"
	"math"

	"gan-train/internal/enum"
	"gan-train/internal/rng"
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
	// from older checkpoints): none. MLP does not run it.
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

// MLP is a network living on a Backend. All its parameters sit in one
// contiguous Buf (layer by layer: W then b), and so do their gradients and
// both Adam moments, so that one Adam call updates the whole network.
type MLP struct {
	Spec     MLPSpec
	MaxBatch int

	Params, Grads, M, V Buf
	W, B, DW, DB        []Buf // views into Params and Grads, one per layer

	be    Backend
	outs  []Buf // outs[l] is (MaxBatch, Layers[l].Out): activations of the last Forward
	douts []Buf // gradient of the loss with respect to outs[l]
	dx    Buf   // (MaxBatch, In): gradient with respect to the input
	mem   *Arena
}

// NewMLP allocates a network for batches of up to maxBatch rows. The
// parameters are zero until Init or LoadParams.
func NewMLP(be Backend, spec MLPSpec, maxBatch int) (*MLP, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if maxBatch <= 0 {
		return nil, fmt.Errorf("batch size %d: must be positive", maxBatch)
	}
	if spec.MinibatchKernels != 0 {
		return nil, errors.New("minibatch discrimination is a discriminator layer that MLP does not run")
	}
	m := &MLP{Spec: spec, MaxBatch: maxBatch, be: be, mem: NewArena(be)}
	alloc := m.mem.Alloc
	np := spec.NumParams()
	var err error
	for _, p := range []*Buf{&m.Params, &m.Grads, &m.M, &m.V} {
		if *p, err = alloc(np); err != nil {
			m.Free()
			return nil, err
		}
	}
	off, in := 0, spec.In
	for _, l := range spec.Layers {
		m.W = append(m.W, be.View(m.Params, off, in*l.Out))
		m.DW = append(m.DW, be.View(m.Grads, off, in*l.Out))
		off += in * l.Out
		m.B = append(m.B, be.View(m.Params, off, l.Out))
		m.DB = append(m.DB, be.View(m.Grads, off, l.Out))
		off += l.Out
		o, err := alloc(maxBatch * l.Out)
		if err != nil {
			m.Free()
			return nil, err
		}
		d, err := alloc(maxBatch * l.Out)
		if err != nil {
			m.Free()
			return nil, err
		}
		m.outs = append(m.outs, o)
		m.douts = append(m.douts, d)
		in = l.Out
	}
	if m.dx, err = alloc(maxBatch * spec.In); err != nil {
		m.Free()
		return nil, err
	}
	return m, nil
}

// Free releases the network's memory.
func (m *MLP) Free() { m.mem.Free() }

// InitParams draws initial weights on the host from Philox (seed, stream)
// and uploads them; biases and Adam moments start at zero.
func (m *MLP) InitParams(seed uint64, stream uint32) error {
	host := make([]float32, m.Spec.NumParams())
	off, in := 0, m.Spec.In
	for li, l := range m.Spec.Layers {
		w := host[off : off+in*l.Out]
		switch m.Spec.Init {
		case He:
			rng.FillNormal(w, seed, stream, uint32(li))
			s := float32(math.Sqrt(2 / float64(in)))
			for i := range w {
				w[i] *= s
			}
		default:
			rng.FillUniformPM1(w, seed, stream, uint32(li))
			a := float32(math.Sqrt(6 / float64(in+l.Out)))
			for i := range w {
				w[i] *= a
			}
		}
		off += in*l.Out + l.Out
		in = l.Out
	}
	if err := m.be.Upload(m.Params, host); err != nil {
		return fmt.Errorf("uploading initial parameters: %w", err)
	}
	m.be.Fill(m.M, 0)
	m.be.Fill(m.V, 0)
	return m.be.Sync()
}

// Forward runs x (batch, In) through the network and returns the output
// (batch, Out), a view valid until the next Forward.
func (m *MLP) Forward(x Buf, batch int) Buf {
	in := m.Spec.In
	for l, layer := range m.Spec.Layers {
		y := m.be.View(m.outs[l], 0, batch*layer.Out)
		m.be.DenseForward(y, x, m.W[l], m.B[l], batch, in, layer.Out, layer.Act)
		x, in = y, layer.Out
	}
	return m.be.View(m.outs[len(m.outs)-1], 0, batch*m.Spec.Out())
}

// OutputGrad is the buffer (batch, Out) where the caller writes the gradient
// of the loss with respect to the network's output before Backward.
func (m *MLP) OutputGrad(batch int) Buf {
	return m.be.View(m.douts[len(m.douts)-1], 0, batch*m.Spec.Out())
}

// Backward back-propagates the gradient in OutputGrad(batch) through the
// activations of the last Forward of x (batch, In). With params it writes
// the parameter gradients into Grads; with input it computes and returns the
// gradient with respect to x (batch, In), else it returns nil.
func (m *MLP) Backward(x Buf, batch int, params, input bool) Buf {
	var dxOut Buf
	for l := len(m.Spec.Layers) - 1; l >= 0; l-- {
		layer := m.Spec.Layers[l]
		in, xin := m.Spec.In, x
		if l > 0 {
			in = m.Spec.Layers[l-1].Out
			xin = m.be.View(m.outs[l-1], 0, batch*in)
		}
		var dx, dw, db Buf
		switch {
		case l > 0:
			dx = m.be.View(m.douts[l-1], 0, batch*in)
		case input:
			dx = m.be.View(m.dx, 0, batch*in)
			dxOut = dx
		}
		if params {
			dw, db = m.DW[l], m.DB[l]
		}
		if dx == nil && dw == nil {
			continue
		}
		y := m.be.View(m.outs[l], 0, batch*layer.Out)
		dy := m.be.View(m.douts[l], 0, batch*layer.Out)
		m.be.DenseBackward(dx, dw, db, dy, xin, m.W[l], y, batch, in, layer.Out, layer.Act)
	}
	return dxOut
}

// Step applies one Adam update to all parameters, with the step count read
// from the counter tc.
func (m *MLP) Step(hp Adam, tc Buf) { m.be.Adam(m.Params, m.Grads, m.M, m.V, hp, tc) }

// State downloads parameters and both Adam moments (each NumParams long).
func (m *MLP) State() (params, mom1, mom2 []float32, err error) {
	n := m.Spec.NumParams()
	params, mom1, mom2 = make([]float32, n), make([]float32, n), make([]float32, n)
	for _, p := range []struct {
		dst []float32
		src Buf
	}{{params, m.Params}, {mom1, m.M}, {mom2, m.V}} {
		if err := m.be.Download(p.dst, p.src); err != nil {
			return nil, nil, nil, fmt.Errorf("downloading network state: %w", err)
		}
	}
	return params, mom1, mom2, nil
}

// SetState uploads parameters and Adam moments (each NumParams long).
func (m *MLP) SetState(params, mom1, mom2 []float32) error {
	n := m.Spec.NumParams()
	for _, p := range []struct {
		src []float32
		dst Buf
	}{{params, m.Params}, {mom1, m.M}, {mom2, m.V}} {
		if len(p.src) != n {
			return fmt.Errorf("network state has %d values, want %d", len(p.src), n)
		}
		if err := m.be.Upload(p.dst, p.src); err != nil {
			return fmt.Errorf("uploading network state: %w", err)
		}
	}
	return nil
}
