package train

import (
	"fmt"
	"math"

	"gan-train/internal/rng"
	"gan-train/model"
)

// dlayer is one layer of the discriminator: a dense layer of units*pieces
// outputs, followed by act (pieces == 1) or by a maximum over each group of
// pieces (maxout), then by inverted dropout at rate dropout.
type dlayer struct {
	in, units, pieces int
	act               model.Activation
	dropout           float32
}

func (l dlayer) dense() int { return l.units * l.pieces }

// minibatchDisc configures the discriminator's minibatch discrimination
// (Salimans et al. 2016, section 3.2; model.MinibatchOps): kernels
// features of dims values each, every row compared with the rows of its
// group of group consecutive rows. kernels == 0: off.
type minibatchDisc struct{ kernels, dims, group int }

// discNet is the discriminator: an MLP whose hidden layers may be maxout
// layers (Goodfellow et al. 2013) and may apply dropout, as in Goodfellow
// et al. 2014's discriminator. With neither it runs exactly the operations
// model.MLP runs, in the same order, so it gives the same bits.
//
// Like model.MLP it keeps all parameters in one contiguous Buf (layer by
// layer: W then b), and so their gradients and Adam moments. Spec lists
// the dense layers for checkpoints; a maxout layer of u units and k pieces
// appears there as u*k identity units, and the next layer takes u inputs,
// so Spec.NumParams does not count a maxout network's parameters, nor
// minibatch discrimination's (T and the output layer's extra inputs): use
// numParams.
//
// With minibatch discrimination, the last hidden layer's output h
// (rows, H) also goes through a dense map without bias (a bias cancels in
// the differences of rows), M = h·T with T (H, kernels*dims), then
// o = MBD(M) (rows, kernels), and the output layer takes [h, o]
// (H+kernels inputs). T's weights sit after the output layer's in Params;
// Spec records kernels and dims, so a checkpoint of another architecture
// is refused.
type discNet struct {
	Spec     model.MLPSpec
	MaxBatch int

	Params, Grads, M, V model.Buf
	W, B, DW, DB        []model.Buf

	be      model.Backend
	layers  []dlayer
	nparams int
	// Per layer, (MaxBatch, width) buffers: z the dense output (the
	// activation's output when pieces == 1), h after maxout (z when
	// pieces == 1), o after dropout (h without dropout); dz, dh, do their
	// gradients, aliased the same way.
	z, h, o, dz, dh, do []model.Buf
	dx                  model.Buf
	mem                 *model.Arena

	// dropout key of the last Forward, reused by Backward
	seed   uint64
	stream uint32
	ctr    model.Buf

	// minibatch discrimination (nil buffers when off); CopyCols joins
	// [h, o] and splits its gradient
	mb        minibatchDisc
	mbW, mbDW model.Buf // (H, kernels*dims) views of Params and Grads
	mbZero    model.Buf // (kernels*dims) zeros: T's missing bias
	mbM, mbDM model.Buf // (MaxBatch, kernels*dims): M = h·T and its gradient
	mbO, mbDO model.Buf // (MaxBatch, kernels): the features and their gradient
	cat, dcat model.Buf // (MaxBatch, H+kernels): the output layer's input [h, o] and its gradient
	mbDX      model.Buf // (MaxBatch, H): the gradient of h through T
}

// newDiscNet builds the discriminator of widths hidden (then one logit)
// over inputs of width in, with minibatch discrimination as mb says.
func newDiscNet(be model.Backend, in int, hidden []int, act model.Activation, pieces int, dropout float32, init model.Init, maxBatch int, mb minibatchDisc) (*discNet, error) {
	d := &discNet{MaxBatch: maxBatch, be: be, Spec: model.MLPSpec{In: in, Init: init}, mb: mb}
	if mb.kernels > 0 && (mb.dims < 1 || mb.group < 1) {
		return nil, fmt.Errorf("minibatch discrimination of %d kernels of %d dims in groups of %d rows: want all positive", mb.kernels, mb.dims, mb.group)
	}
	H, err := d.plan(hidden, act, pieces, dropout)
	if err != nil {
		return nil, err
	}
	d.mem = model.NewArena(be)
	if err := d.allocate(H); err != nil {
		d.Free()
		return nil, err
	}
	return d, nil
}

// plan lays out the layers of widths hidden and the output logit over d's
// Spec.In inputs, in d.layers and d.Spec, and returns the width H of the
// last hidden layer's output h.
func (d *discNet) plan(hidden []int, act model.Activation, pieces int, dropout float32) (H int, err error) {
	if pieces < 1 {
		pieces = 1
	}
	w := d.Spec.In
	for _, u := range hidden {
		l := dlayer{in: w, units: u, pieces: pieces, act: act, dropout: dropout}
		if pieces > 1 {
			l.act = model.Identity
		}
		d.layers = append(d.layers, l)
		d.Spec.Layers = append(d.Spec.Layers, model.Layer{Out: l.dense(), Act: l.act})
		w = u
	}
	H = w
	if d.mb.kernels > 0 {
		w += d.mb.kernels
		d.Spec.MinibatchKernels, d.Spec.MinibatchDims = d.mb.kernels, d.mb.dims
	}
	d.layers = append(d.layers, dlayer{in: w, units: 1, pieces: 1, act: model.Identity})
	d.Spec.Layers = append(d.Spec.Layers, model.Layer{Out: 1, Act: model.Identity})
	return H, d.Spec.Validate()
}

// allocate allocates the parameters, their Adam moments and gradients, and
// the activations of the planned layers (H: the width of h).
func (d *discNet) allocate(H int) (err error) {
	be, alloc, maxBatch := d.be, d.mem.Alloc, d.MaxBatch
	for _, l := range d.layers {
		d.nparams += l.in*l.dense() + l.dense()
	}
	kd := d.mb.kernels * d.mb.dims
	d.nparams += H * kd
	for _, p := range []*model.Buf{&d.Params, &d.Grads, &d.M, &d.V} {
		if *p, err = alloc(d.nparams); err != nil {
			return err
		}
	}
	off := 0
	for _, l := range d.layers {
		n := l.in * l.dense()
		d.W = append(d.W, be.View(d.Params, off, n))
		d.DW = append(d.DW, be.View(d.Grads, off, n))
		off += n
		d.B = append(d.B, be.View(d.Params, off, l.dense()))
		d.DB = append(d.DB, be.View(d.Grads, off, l.dense()))
		off += l.dense()
		bufs := make([]model.Buf, 6)
		for i, width := range []int{l.dense(), l.dense(), l.units, l.units, l.units, l.units} {
			if i >= 2 && (i < 4 && l.pieces == 1 || i >= 4 && l.dropout == 0) {
				bufs[i] = bufs[i-2] // aliases: h = z without maxout, o = h without dropout
				continue
			}
			if bufs[i], err = alloc(maxBatch * width); err != nil {
				return err
			}
		}
		d.z, d.dz, d.h, d.dh, d.o, d.do = append(d.z, bufs[0]), append(d.dz, bufs[1]), append(d.h, bufs[2]),
			append(d.dh, bufs[3]), append(d.o, bufs[4]), append(d.do, bufs[5])
	}
	if d.dx, err = alloc(maxBatch * d.Spec.In); err != nil {
		return err
	}
	if d.mb.kernels <= 0 {
		return nil
	}
	d.mbW, d.mbDW = be.View(d.Params, off, H*kd), be.View(d.Grads, off, H*kd)
	K := d.mb.kernels
	return d.mem.AllocAll(
		model.Request{Dst: &d.mbZero, N: kd},
		model.Request{Dst: &d.mbM, N: maxBatch * kd}, model.Request{Dst: &d.mbDM, N: maxBatch * kd},
		model.Request{Dst: &d.mbO, N: maxBatch * K}, model.Request{Dst: &d.mbDO, N: maxBatch * K},
		model.Request{Dst: &d.cat, N: maxBatch * (H + K)}, model.Request{Dst: &d.dcat, N: maxBatch * (H + K)},
		model.Request{Dst: &d.mbDX, N: maxBatch * H},
	)
}

// Free releases the network's memory.
func (d *discNet) Free() { d.mem.Free() }

func (d *discNet) numParams() int { return d.nparams }

// InitParams draws initial weights as model.MLP.InitParams does (same
// streams and steps per layer, so a plain discriminator starts the same),
// with a maxout layer's fan-out taken as its dense width.
func (d *discNet) InitParams(seed uint64, stream uint32) error {
	host := make([]float32, d.nparams)
	off := 0
	for li, l := range d.layers {
		w := host[off : off+l.in*l.dense()]
		switch d.Spec.Init {
		case model.He:
			rng.FillNormal(w, seed, stream, uint32(li))
			s := float32(math.Sqrt(2 / float64(l.in)))
			for i := range w {
				w[i] *= s
			}
		default:
			rng.FillUniformPM1(w, seed, stream, uint32(li))
			a := float32(math.Sqrt(6 / float64(l.in+l.dense())))
			for i := range w {
				w[i] *= a
			}
		}
		off += l.in*l.dense() + l.dense()
	}
	if d.mb.kernels > 0 {
		// T: normal columns of expected norm 1. The authors' code
		// (openai/improved-gan, mnist_svhn_cifar10/nn.py, MinibatchLayer)
		// weight-normalises T's columns to norm exp(0) = 1 at the start.
		H := d.layers[len(d.layers)-1].in - d.mb.kernels
		w := host[off:]
		rng.FillNormal(w, seed, stream, uint32(len(d.layers)))
		s := float32(1 / math.Sqrt(float64(H)))
		for i := range w {
			w[i] *= s
		}
	}
	if err := d.be.Upload(d.Params, host); err != nil {
		return fmt.Errorf("uploading initial discriminator parameters: %w", err)
	}
	d.be.Fill(d.M, 0)
	d.be.Fill(d.V, 0)
	return d.be.Sync()
}

// Forward runs x (batch, In) through the network and returns the logits
// (batch, 1). Dropout masks are keyed by (seed, stream+layer, counter ctr);
// Backward reuses the key.
func (d *discNet) Forward(x model.Buf, batch int, seed uint64, stream uint32, ctr model.Buf) model.Buf {
	d.seed, d.stream, d.ctr = seed, stream, ctr
	be := d.be
	for li, l := range d.layers {
		if li == len(d.layers)-1 && d.mb.kernels > 0 {
			x = d.minibatchForward(x, batch)
		}
		z := be.View(d.z[li], 0, batch*l.dense())
		be.DenseForward(z, x, d.W[li], d.B[li], batch, l.in, l.dense(), l.act)
		h := z
		if l.pieces > 1 {
			h = be.View(d.h[li], 0, batch*l.units)
			d.be.MaxoutForward(h, z, batch, l.units, l.pieces)
		}
		o := h
		if l.dropout > 0 {
			o = be.View(d.o[li], 0, batch*l.units)
			d.be.Dropout(o, h, l.dropout, seed, stream+uint32(li), ctr)
		}
		x = o
	}
	return x
}

// minibatchForward computes M = h·T and o = MBD(M) for the rows of h
// (batch, H), and returns the output layer's input [h, o] (batch, H+kernels).
func (d *discNet) minibatchForward(h model.Buf, batch int) model.Buf {
	be, K, D := d.be, d.mb.kernels, d.mb.dims
	H := d.layers[len(d.layers)-1].in - K
	m := be.View(d.mbM, 0, batch*K*D)
	be.DenseForward(m, h, d.mbW, d.mbZero, batch, H, K*D, model.Identity)
	o := be.View(d.mbO, 0, batch*K)
	d.be.MinibatchDiscForward(o, m, batch, d.mb.group, K, D)
	cat := be.View(d.cat, 0, batch*(H+K))
	d.be.CopyCols(cat, h, batch, H+K, 0, H, 0, H)
	d.be.CopyCols(cat, o, batch, H+K, H, K, 0, K)
	return cat
}

// minibatchBackward back-propagates the gradient dcat of the output
// layer's input [h, o]: through MBD and T into T's gradient (when params)
// and, when dh is not nil, into dh = dcat's h columns + (the gradient
// through T).
func (d *discNet) minibatchBackward(h, dh model.Buf, batch int, params bool) {
	be, K, D := d.be, d.mb.kernels, d.mb.dims
	H := d.layers[len(d.layers)-1].in - K
	dcat := be.View(d.dcat, 0, batch*(H+K))
	do := be.View(d.mbDO, 0, batch*K)
	d.be.CopyCols(do, dcat, batch, K, 0, H+K, H, K)
	m, dm := be.View(d.mbM, 0, batch*K*D), be.View(d.mbDM, 0, batch*K*D)
	d.be.MinibatchDiscBackward(dm, do, m, batch, d.mb.group, K, D)
	var dx, dw model.Buf
	if dh != nil {
		dx = be.View(d.mbDX, 0, batch*H)
	}
	if params {
		dw = d.mbDW
	}
	if dx == nil && dw == nil {
		return
	}
	be.DenseBackward(dx, dw, nil, dm, h, d.mbW, m, batch, H, K*D, model.Identity)
	if dh != nil {
		d.be.CopyCols(dh, dcat, batch, H, 0, H+K, 0, H)
		d.be.Accumulate(dh, dx)
	}
}

// OutputGrad is the buffer (batch, 1) for the gradient of the loss with
// respect to the logits, written before Backward.
func (d *discNet) OutputGrad(batch int) model.Buf {
	return d.be.View(d.do[len(d.do)-1], 0, batch)
}

// Backward back-propagates OutputGrad(batch) through the last Forward of x
// (batch, In), like model.MLP.Backward.
func (d *discNet) Backward(x model.Buf, batch int, params, input bool) model.Buf {
	be := d.be
	var dxOut model.Buf
	for li := len(d.layers) - 1; li >= 0; li-- {
		l := d.layers[li]
		if l.dropout > 0 {
			// the same mask, applied to the gradient
			d.be.Dropout(be.View(d.dh[li], 0, batch*l.units), be.View(d.do[li], 0, batch*l.units), l.dropout, d.seed, d.stream+uint32(li), d.ctr)
		}
		if l.pieces > 1 {
			d.be.MaxoutBackward(be.View(d.dz[li], 0, batch*l.dense()), be.View(d.dh[li], 0, batch*l.units),
				be.View(d.z[li], 0, batch*l.dense()), batch, l.units, l.pieces)
		}
		in := l.in // the width of this layer's input without [h, o]'s features
		mbd := li == len(d.layers)-1 && d.mb.kernels > 0
		if mbd {
			in -= d.mb.kernels
		}
		xin := x
		if li > 0 {
			xin = be.View(d.o[li-1], 0, batch*in)
		}
		var dx, dw, db model.Buf
		switch {
		case li > 0:
			dx = be.View(d.do[li-1], 0, batch*in)
		case input:
			dx = be.View(d.dx, 0, batch*in)
			dxOut = dx
		}
		if params {
			dw, db = d.DW[li], d.DB[li]
		}
		if mbd {
			// the output layer reads [h, o]; its input gradient goes
			// through the minibatch features into dx (h's gradient)
			dcat := be.View(d.dcat, 0, batch*l.in)
			be.DenseBackward(dcat, dw, db, be.View(d.dz[li], 0, batch*l.dense()), be.View(d.cat, 0, batch*l.in), d.W[li],
				be.View(d.z[li], 0, batch*l.dense()), batch, l.in, l.dense(), l.act)
			d.minibatchBackward(xin, dx, batch, params)
			continue
		}
		if dx == nil && dw == nil {
			continue
		}
		be.DenseBackward(dx, dw, db, be.View(d.dz[li], 0, batch*l.dense()), xin, d.W[li],
			be.View(d.z[li], 0, batch*l.dense()), batch, l.in, l.dense(), l.act)
	}
	return dxOut
}

// Step applies one Adam update with the step count read from tc.
func (d *discNet) Step(hp model.Adam, tc model.Buf) { d.be.Adam(d.Params, d.Grads, d.M, d.V, hp, tc) }

// State downloads parameters and both Adam moments.
func (d *discNet) State() (params, mom1, mom2 []float32, err error) {
	n := d.nparams
	params, mom1, mom2 = make([]float32, n), make([]float32, n), make([]float32, n)
	for _, p := range []struct {
		dst []float32
		src model.Buf
	}{{params, d.Params}, {mom1, d.M}, {mom2, d.V}} {
		if err := d.be.Download(p.dst, p.src); err != nil {
			return nil, nil, nil, fmt.Errorf("downloading discriminator state: %w", err)
		}
	}
	return params, mom1, mom2, nil
}

// SetState uploads parameters and Adam moments.
func (d *discNet) SetState(params, mom1, mom2 []float32) error {
	for _, p := range []struct {
		src []float32
		dst model.Buf
	}{{params, d.Params}, {mom1, d.M}, {mom2, d.V}} {
		if len(p.src) != d.nparams {
			return fmt.Errorf("discriminator state has %d values, want %d", len(p.src), d.nparams)
		}
		if err := d.be.Upload(p.dst, p.src); err != nil {
			return fmt.Errorf("uploading discriminator state: %w", err)
		}
	}
	return nil
}
