package model

import (
	"errors"
	"fmt"
	"math"

	"gan-train/internal/enum"
	"gan-train/internal/rng"
)

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

// NetLayer is one layer of a Net: a dense layer of Units*Pieces outputs,
// followed by Act (Pieces == 1) or by the maximum over each group of
// Pieces consecutive outputs (maxout, Goodfellow et al. 2013; Act then
// applies before the maximum, Identity in practice), then by inverted
// dropout at rate Dropout (0: none). A plain dense layer is
// DenseLayer(units, act).
type NetLayer struct {
	Units   int        `json:"units"`
	Pieces  int        `json:"pieces"`
	Act     Activation `json:"act"`
	Dropout float32    `json:"dropout,omitzero"`
}

// DenseLayer is a plain dense layer of units outputs followed by act:
// one piece, no dropout.
func DenseLayer(units int, act Activation) NetLayer {
	return NetLayer{Units: units, Pieces: 1, Act: act}
}

// dense is the width of the layer's dense output.
func (l NetLayer) dense() int { return l.Units * l.Pieces }

// String describes l as errors name a layer: "240 relu", "240 maxout
// units of 5 identity pieces", with ", dropout 0.5" when it has dropout.
func (l NetLayer) String() string {
	s := fmt.Sprintf("%d %v", l.Units, l.Act)
	if l.Pieces != 1 {
		s = fmt.Sprintf("%d maxout units of %d %v pieces", l.Units, l.Pieces, l.Act)
	}
	if l.Dropout != 0 {
		s += fmt.Sprintf(", dropout %v", l.Dropout)
	}
	return s
}

// MinibatchSpec configures minibatch discrimination (Salimans et al.
// 2016, section 3.2; MinibatchOps): Kernels features of Dims values
// each, every row compared with the rows of its group of Group
// consecutive rows. Kernels == 0: off (and Dims is 0 too).
type MinibatchSpec struct {
	Kernels int `json:"kernels"`
	Dims    int `json:"dims"`
	Group   int `json:"group"`
}

// String describes mb as errors name it.
func (mb MinibatchSpec) String() string {
	if mb.Kernels == 0 {
		return "no minibatch discrimination"
	}
	return fmt.Sprintf("minibatch discrimination of %d kernels of %d dims in groups of %d rows", mb.Kernels, mb.Dims, mb.Group)
}

// NetSpec describes a Net: inputs of width In, then Layers in order.
// With minibatch discrimination, the last hidden layer's output h
// (rows, H) (the input when there is no hidden layer) also goes through
// a dense map without bias (a bias cancels in the differences of rows),
// M = h·T with T (H, Kernels*Dims), then o = MBD(M) (rows, Kernels),
// and the last layer takes [h, o] (H+Kernels inputs). Checkpoints and
// the evaluation classifier's cache record a NetSpec as JSON.
type NetSpec struct {
	In        int           `json:"in"`
	Layers    []NetLayer    `json:"layers"`
	Init      Init          `json:"init"`
	Minibatch MinibatchSpec `json:"minibatch,omitzero"`
}

// Validate reports the first problem with s, naming the field.
func (s NetSpec) Validate() error {
	if s.In <= 0 {
		return fmt.Errorf("input width %d: must be positive", s.In)
	}
	if len(s.Layers) == 0 {
		return errors.New("no layers")
	}
	for i, l := range s.Layers {
		if l.Units <= 0 {
			return fmt.Errorf("layer %d width %d: must be positive", i, l.Units)
		}
		if l.Pieces < 1 {
			return fmt.Errorf("layer %d: %d maxout pieces, want at least 1", i, l.Pieces)
		}
		if l.Act > Tanh {
			return fmt.Errorf("layer %d: %v is not a known activation", i, l.Act)
		}
		if l.Dropout < 0 || l.Dropout >= 1 {
			return fmt.Errorf("layer %d: dropout rate %g, want in [0, 1)", i, l.Dropout)
		}
	}
	mb := s.Minibatch
	if mb.Kernels < 0 || mb.Dims < 0 || (mb.Kernels == 0) != (mb.Dims == 0) || mb.Kernels > 0 && mb.Group < 1 {
		return fmt.Errorf("minibatch discrimination of %d kernels of %d dims in groups of %d rows: want all positive, or kernels and dims 0", mb.Kernels, mb.Dims, mb.Group)
	}
	return s.Init.Valid()
}

// Out is the width of the last layer's output.
func (s NetSpec) Out() int { return s.Layers[len(s.Layers)-1].Units }

// inputs is the input width of layer li, [h, o]'s for the last layer
// with minibatch discrimination.
func (s NetSpec) inputs(li int) int {
	in := s.In
	if li > 0 {
		in = s.Layers[li-1].Units
	}
	if li == len(s.Layers)-1 {
		in += s.Minibatch.Kernels
	}
	return in
}

// hidden is the width H of h, the input of minibatch discrimination.
func (s NetSpec) hidden() int { return s.inputs(len(s.Layers)-1) - s.Minibatch.Kernels }

// NumParams is the number of weights and biases, T's included.
func (s NetSpec) NumParams() int {
	n := s.hidden() * s.Minibatch.Kernels * s.Minibatch.Dims
	for li, l := range s.Layers {
		n += s.inputs(li)*l.dense() + l.dense()
	}
	return n
}

// Net is a network of layers living on a Backend: generators,
// discriminators and the evaluation classifier. All its parameters sit
// in one contiguous Buf (layer by layer: W (in, Units*Pieces) then b
// (Units*Pieces), then T (H, Kernels*Dims) with minibatch
// discrimination), and so do their gradients and both Adam moments, so
// that one Adam call updates the whole network. A net of plain dense
// layers runs one DenseForward per layer and nothing else.
type Net struct {
	Spec     NetSpec
	MaxBatch int

	Params, Grads, M, V Buf
	W, B, DW, DB        []Buf // views into Params and Grads, one per layer
	T, DT               Buf   // (H, Kernels*Dims) views of Params and Grads; nil without minibatch discrimination

	be      Backend
	nparams int
	// Per layer, (MaxBatch, width) buffers: z the dense output (the
	// activation's output when Pieces == 1), h after maxout (z when
	// Pieces == 1), o after dropout (h without dropout); dz, dh, do their
	// gradients, aliased the same way.
	z, h, o, dz, dh, do []Buf
	dx                  Buf // (MaxBatch, In): the gradient with respect to the input
	mem                 *Arena

	// dropout key of the last Forward, reused by Backward
	seed   uint64
	stream uint32
	ctr    Buf

	// minibatch discrimination (nil when off); CopyCols joins [h, o]
	// and splits its gradient
	mbZero    Buf // (Kernels*Dims) zeros: T's missing bias
	mbM, mbDM Buf // (MaxBatch, Kernels*Dims): M = h·T and its gradient
	mbO, mbDO Buf // (MaxBatch, Kernels): the features and their gradient
	cat, dcat Buf // (MaxBatch, H+Kernels): the last layer's input [h, o] and its gradient
	mbDX      Buf // (MaxBatch, H): the gradient of h through T
}

// NewNet allocates a network of spec for batches of up to maxBatch rows.
// The parameters are zero until InitParams or SetState.
func NewNet(be Backend, spec NetSpec, maxBatch int) (*Net, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if maxBatch <= 0 {
		return nil, fmt.Errorf("batch size %d: must be positive", maxBatch)
	}
	n := &Net{Spec: spec, MaxBatch: maxBatch, be: be, mem: NewArena(be), nparams: spec.NumParams()}
	if err := n.allocate(); err != nil {
		n.Free()
		return nil, err
	}
	return n, nil
}

// allocate allocates the parameters, their Adam moments and gradients,
// and the activations of every layer.
func (n *Net) allocate() (err error) {
	be, alloc, maxBatch, s := n.be, n.mem.Alloc, n.MaxBatch, n.Spec
	for _, p := range []*Buf{&n.Params, &n.Grads, &n.M, &n.V} {
		if *p, err = alloc(n.nparams); err != nil {
			return err
		}
	}
	off := 0
	for li, l := range s.Layers {
		nw := s.inputs(li) * l.dense()
		n.W, n.DW = append(n.W, be.View(n.Params, off, nw)), append(n.DW, be.View(n.Grads, off, nw))
		off += nw
		n.B, n.DB = append(n.B, be.View(n.Params, off, l.dense())), append(n.DB, be.View(n.Grads, off, l.dense()))
		off += l.dense()
		bufs := make([]Buf, 6)
		for i, width := range []int{l.dense(), l.dense(), l.Units, l.Units, l.Units, l.Units} {
			if i >= 2 && (i < 4 && l.Pieces == 1 || i >= 4 && l.Dropout == 0) {
				bufs[i] = bufs[i-2] // aliases: h = z without maxout, o = h without dropout
				continue
			}
			if bufs[i], err = alloc(maxBatch * width); err != nil {
				return err
			}
		}
		n.z, n.dz, n.h, n.dh, n.o, n.do = append(n.z, bufs[0]), append(n.dz, bufs[1]), append(n.h, bufs[2]),
			append(n.dh, bufs[3]), append(n.o, bufs[4]), append(n.do, bufs[5])
	}
	if n.dx, err = alloc(maxBatch * s.In); err != nil {
		return err
	}
	K, H := s.Minibatch.Kernels, s.hidden()
	if K <= 0 {
		return nil
	}
	kd := K * s.Minibatch.Dims
	n.T, n.DT = be.View(n.Params, off, H*kd), be.View(n.Grads, off, H*kd)
	return n.mem.AllocAll(
		Request{Dst: &n.mbZero, N: kd},
		Request{Dst: &n.mbM, N: maxBatch * kd}, Request{Dst: &n.mbDM, N: maxBatch * kd},
		Request{Dst: &n.mbO, N: maxBatch * K}, Request{Dst: &n.mbDO, N: maxBatch * K},
		Request{Dst: &n.cat, N: maxBatch * (H + K)}, Request{Dst: &n.dcat, N: maxBatch * (H + K)},
		Request{Dst: &n.mbDX, N: maxBatch * H},
	)
}

// Free releases the network's memory; a nil Net has none.
func (n *Net) Free() {
	if n != nil {
		n.mem.Free()
	}
}

// NumParams is the number of parameters (the length of Params).
func (n *Net) NumParams() int { return n.nparams }

// InitParams draws initial weights on the host from Philox (seed,
// stream), layer li's from step li (a maxout layer's fan-out taken as its
// dense width), and uploads them; biases and Adam moments start at zero.
func (n *Net) InitParams(seed uint64, stream uint32) error {
	host := make([]float32, n.nparams)
	off, s := 0, n.Spec
	for li, l := range s.Layers {
		in := s.inputs(li)
		w := host[off : off+in*l.dense()]
		switch s.Init {
		case He:
			rng.FillNormal(w, seed, stream, uint32(li))
			scale(w, float32(math.Sqrt(2/float64(in))))
		default:
			rng.FillUniformPM1(w, seed, stream, uint32(li))
			scale(w, float32(math.Sqrt(6/float64(in+l.dense()))))
		}
		off += in*l.dense() + l.dense()
	}
	if s.Minibatch.Kernels > 0 {
		// T: normal columns of expected norm 1. The authors' code
		// (openai/improved-gan, mnist_svhn_cifar10/nn.py, MinibatchLayer)
		// weight-normalises T's columns to norm exp(0) = 1 at the start.
		w := host[off:]
		rng.FillNormal(w, seed, stream, uint32(len(s.Layers)))
		scale(w, float32(1/math.Sqrt(float64(s.hidden()))))
	}
	if err := n.be.Upload(n.Params, host); err != nil {
		return fmt.Errorf("uploading initial parameters: %w", err)
	}
	n.be.Fill(n.M, 0)
	n.be.Fill(n.V, 0)
	return n.be.Sync()
}

// scale multiplies w by s in place.
func scale(w []float32, s float32) {
	for i := range w {
		w[i] *= s
	}
}

// Forward runs x (batch, In) through a network without dropout and
// returns the output (batch, Units of the last layer), a view valid until
// the next Forward.
func (n *Net) Forward(x Buf, batch int) Buf { return n.ForwardDropout(x, batch, 0, 0, nil) }

// ForwardDropout is Forward with dropout masks keyed by Philox (seed,
// stream+layer, counter ctr); Backward reuses the key. A nil ctr means no
// dropout, as Forward.
func (n *Net) ForwardDropout(x Buf, batch int, seed uint64, stream uint32, ctr Buf) Buf {
	n.seed, n.stream, n.ctr = seed, stream, ctr
	be, s := n.be, n.Spec
	for li, l := range s.Layers {
		if li == len(s.Layers)-1 && s.Minibatch.Kernels > 0 {
			x = n.minibatchForward(x, batch)
		}
		z := be.View(n.z[li], 0, batch*l.dense())
		be.DenseForward(z, x, n.W[li], n.B[li], batch, s.inputs(li), l.dense(), l.Act)
		h := z
		if l.Pieces > 1 {
			h = be.View(n.h[li], 0, batch*l.Units)
			be.MaxoutForward(h, z, batch, l.Units, l.Pieces)
		}
		o := h
		if l.Dropout > 0 {
			o = be.View(n.o[li], 0, batch*l.Units)
			if ctr != nil {
				be.Dropout(o, h, l.Dropout, seed, stream+uint32(li), ctr)
			} else {
				be.Copy(o, h) // no dropout: inverted dropout's expectation is the identity
			}
		}
		x = o
	}
	return x
}

// minibatchForward computes M = h·T and o = MBD(M) for the rows of h
// (batch, H), and returns the last layer's input [h, o] (batch, H+Kernels).
func (n *Net) minibatchForward(h Buf, batch int) Buf {
	be, mb, H := n.be, n.Spec.Minibatch, n.Spec.hidden()
	K, D := mb.Kernels, mb.Dims
	m := be.View(n.mbM, 0, batch*K*D)
	be.DenseForward(m, h, n.T, n.mbZero, batch, H, K*D, Identity)
	o := be.View(n.mbO, 0, batch*K)
	be.MinibatchDiscForward(o, m, batch, mb.Group, K, D)
	cat := be.View(n.cat, 0, batch*(H+K))
	be.CopyCols(cat, h, batch, H+K, 0, H, 0, H)
	be.CopyCols(cat, o, batch, H+K, H, K, 0, K)
	return cat
}

// minibatchBackward back-propagates the gradient dcat (batch, H+Kernels)
// of the last layer's input [h, o]: through MBD and T into DT (when
// params) and, when dh is not nil, into dh (batch, H) = dcat's h columns
// + (the gradient through T).
func (n *Net) minibatchBackward(h, dh Buf, batch int, params bool) {
	be, mb, H := n.be, n.Spec.Minibatch, n.Spec.hidden()
	K, D := mb.Kernels, mb.Dims
	dcat := be.View(n.dcat, 0, batch*(H+K))
	do := be.View(n.mbDO, 0, batch*K)
	be.CopyCols(do, dcat, batch, K, 0, H+K, H, K)
	m, dm := be.View(n.mbM, 0, batch*K*D), be.View(n.mbDM, 0, batch*K*D)
	be.MinibatchDiscBackward(dm, do, m, batch, mb.Group, K, D)
	var dx, dw Buf
	if dh != nil {
		dx = be.View(n.mbDX, 0, batch*H)
	}
	if params {
		dw = n.DT
	}
	if dx == nil && dw == nil {
		return
	}
	be.DenseBackward(dx, dw, nil, dm, h, n.T, m, batch, H, K*D, Identity)
	if dh != nil {
		be.CopyCols(dh, dcat, batch, H, 0, H+K, 0, H)
		be.Accumulate(dh, dx)
	}
}

// OutputGrad is the buffer (batch, Units of the last layer) where the
// caller writes the gradient of the loss with respect to the network's
// output before Backward.
func (n *Net) OutputGrad(batch int) Buf {
	last := len(n.Spec.Layers) - 1
	return n.be.View(n.do[last], 0, batch*n.Spec.Layers[last].Units)
}

// Backward back-propagates the gradient in OutputGrad(batch) through the
// activations of the last Forward of x (batch, In). With params it writes
// the parameter gradients into Grads; with input it computes and returns
// the gradient with respect to x (batch, In), else it returns nil.
func (n *Net) Backward(x Buf, batch int, params, input bool) Buf {
	be, s := n.be, n.Spec
	var dxOut Buf
	for li := len(s.Layers) - 1; li >= 0; li-- {
		l := s.Layers[li]
		n.regularizeBackward(li, batch)
		in := s.inputs(li) // the width of this layer's input without [h, o]'s features
		mbd := li == len(s.Layers)-1 && s.Minibatch.Kernels > 0
		if mbd {
			in -= s.Minibatch.Kernels
		}
		xin := x
		if li > 0 {
			xin = be.View(n.o[li-1], 0, batch*in)
		}
		var dx, dw, db Buf
		switch {
		case li > 0:
			dx = be.View(n.do[li-1], 0, batch*in)
		case input:
			dx = be.View(n.dx, 0, batch*in)
			dxOut = dx
		}
		if params {
			dw, db = n.DW[li], n.DB[li]
		}
		z, dz := be.View(n.z[li], 0, batch*l.dense()), be.View(n.dz[li], 0, batch*l.dense())
		if mbd {
			// the last layer reads [h, o]; its input gradient goes
			// through the minibatch features into dx (h's gradient)
			w := s.inputs(li)
			be.DenseBackward(be.View(n.dcat, 0, batch*w), dw, db, dz, be.View(n.cat, 0, batch*w), n.W[li], z, batch, w, l.dense(), l.Act)
			n.minibatchBackward(xin, dx, batch, params)
			continue
		}
		if dx == nil && dw == nil {
			continue
		}
		be.DenseBackward(dx, dw, db, dz, xin, n.W[li], z, batch, in, l.dense(), l.Act)
	}
	return dxOut
}

// regularizeBackward takes layer li's output gradient back through its
// dropout (the same mask) and its maxout, into the gradient of its dense
// output.
func (n *Net) regularizeBackward(li, batch int) {
	be, l := n.be, n.Spec.Layers[li]
	if l.Dropout > 0 {
		dh, do := be.View(n.dh[li], 0, batch*l.Units), be.View(n.do[li], 0, batch*l.Units)
		if n.ctr != nil {
			be.Dropout(dh, do, l.Dropout, n.seed, n.stream+uint32(li), n.ctr)
		} else {
			be.Copy(dh, do) // the Forward had no dropout
		}
	}
	if l.Pieces > 1 {
		be.MaxoutBackward(be.View(n.dz[li], 0, batch*l.dense()), be.View(n.dh[li], 0, batch*l.Units),
			be.View(n.z[li], 0, batch*l.dense()), batch, l.Units, l.Pieces)
	}
}

// Step applies one Adam update to all parameters, with the step count
// read from the counter tc.
func (n *Net) Step(hp Adam, tc Buf) { n.be.Adam(n.Params, n.Grads, n.M, n.V, hp, tc) }

// State downloads parameters and both Adam moments (each NumParams long).
func (n *Net) State() (params, mom1, mom2 []float32, err error) {
	np := n.nparams
	params, mom1, mom2 = make([]float32, np), make([]float32, np), make([]float32, np)
	for _, p := range []struct {
		dst []float32
		src Buf
	}{{params, n.Params}, {mom1, n.M}, {mom2, n.V}} {
		if err := n.be.Download(p.dst, p.src); err != nil {
			return nil, nil, nil, fmt.Errorf("downloading network state: %w", err)
		}
	}
	return params, mom1, mom2, nil
}

// SetParams uploads the parameters (NumParams long) and leaves the Adam
// moments as they are: for a network that only runs forward.
func (n *Net) SetParams(params []float32) error {
	if len(params) != n.nparams {
		return fmt.Errorf("network parameters: %d values, want %d", len(params), n.nparams)
	}
	if err := n.be.Upload(n.Params, params); err != nil {
		return fmt.Errorf("uploading network parameters: %w", err)
	}
	return nil
}

// LayerOutput is what layer li output in the last Forward for its first
// batch rows, (batch, Units): after the activation, maxout and dropout. It
// is valid until the next Forward; the last layer's is Forward's result.
func (n *Net) LayerOutput(li, batch int) Buf {
	return n.be.View(n.o[li], 0, batch*n.Spec.Layers[li].Units)
}

// SetState uploads parameters and Adam moments (each NumParams long).
func (n *Net) SetState(params, mom1, mom2 []float32) error {
	for _, p := range []struct {
		src []float32
		dst Buf
	}{{params, n.Params}, {mom1, n.M}, {mom2, n.V}} {
		if len(p.src) != n.nparams {
			return fmt.Errorf("network state has %d values, want %d", len(p.src), n.nparams)
		}
		if err := n.be.Upload(p.dst, p.src); err != nil {
			return fmt.Errorf("uploading network state: %w", err)
		}
	}
	return nil
}
