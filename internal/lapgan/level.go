package lapgan

import (
	"errors"
	"fmt"
	"math"

	"gan-train/internal/data"
	"gan-train/internal/loop"
	"gan-train/model"
)

// errNoBackend is what Train and the Sampler return for a nil backend.
var errNoBackend = errors.New("lapgan: no backend")

// Noise streams of level l are streamBase*(l+1) + these offsets, so that no
// two levels share a random draw.
const (
	streamBase   = 256
	streamInitG  = 1
	streamInitD  = 2
	streamZD     = 3
	streamZG     = 4
	streamSample = 5 // Sampler: step = chunk number
)

func stream(l int, s uint32) uint32 { return streamBase*uint32(l+1) + s }

// stats buffer layout
const (
	sLossReal = iota
	sLossFake
	sGLoss
	sDReal
	sDFake
	nStats
)

// Stats are the scalars of a level's last training iteration.
type Stats struct {
	Level     int     `json:"level"`
	Step      int     `json:"step"`
	DLoss     float64 `json:"d_loss"`
	GLoss     float64 `json:"g_loss"`
	DReal     float64 `json:"d_real"` // mean D(x) on real rows
	DFake     float64 `json:"d_fake"` // mean D(G(z)) on fake rows of the D update
	Epoch     int     `json:"epoch"`
	nonFinite bool
}

// levelTrainer trains the GAN of one pyramid level on the pyramid of real
// images, built batch by batch on the backend: the full-resolution batch is
// gathered and downsampled to the level (the "fine" image) and one level
// further (the "coarse" image).
type levelTrainer struct {
	be      model.Backend
	cfg     *Config
	l       int // level
	side, p int // image side and pixel count of the level
	cond    bool
	latent  int
	w       int // D's input width: p, or 2p for a conditional level
	G, D    *model.Net
	obj     model.Objective // the game D and G play: the logistic loss with cfg's label smoothing
	avg     model.Buf       // moving average of G.Params (nil when cfg.GEMA is 0)
	images  data.OnDevice   // the dataset (source.images, not owned)
	// loop is the step engine: the epoch's order and the position in it,
	// the counters (Noise; Counters: Adam's steps of D and G), the
	// statistics buffer and the recorded iteration.
	loop *loop.Engine
	pyr  []model.Buf // pyr[k] is (batch, Side(k)²) for k in [0, l+1] (l+1 only when conditional)
	up   model.Buf   // (batch, p): up(coarse), the condition
	fake model.Buf   // (batch, p): up(coarse) + generated residual
	z    model.Buf   // (batch, latent)
	gin  model.Buf   // (batch, latent+p): [z, up(coarse)] (conditional only)
	xd   model.Buf   // (2*batch, w): real rows then fake rows
	xg   model.Buf   // (batch, w): D's input in the G update (conditional only)
	mem  *model.Arena
}

// Adam's step counters, in the step engine's Counters
const (
	cAdamD = iota
	cAdamG
)

// newLevelTrainer builds level l's networks (freshly initialised) and
// buffers, gathering batches from the dataset src has uploaded.
func newLevelTrainer(be model.Backend, cfg *Config, l int, src *source) (*levelTrainer, error) {
	gs, ds, err := cfg.Specs(l)
	if err != nil {
		return nil, err
	}
	B := cfg.Batch
	t := &levelTrainer{
		be: be, cfg: cfg, l: l, side: Side(l), cond: conditional(l),
		latent: cfg.Levels[l].Latent, images: src.images, mem: model.NewArena(be),
		obj: model.Logistic{LabelSmoothing: cfg.LabelSmoothing},
	}
	t.p = t.side * t.side
	t.w = ds.In
	fail := func(err error) (*levelTrainer, error) { t.close(); return nil, err }
	t.loop, err = loop.New(be, loop.Spec{Rows: src.n, Batch: B, Seed: cfg.Seed, OnDevice: true,
		Stats: nStats, Counters: []int{cAdamD: 1, cAdamG: 1}})
	if err != nil {
		return nil, fmt.Errorf("level %d: %w", l, err)
	}
	if t.G, err = model.NewNet(be, gs, B); err != nil {
		return fail(fmt.Errorf("level %d generator: %w", l, err))
	}
	if t.D, err = model.NewNet(be, ds, 2*B); err != nil {
		return fail(fmt.Errorf("level %d discriminator: %w", l, err))
	}
	top := l
	if t.cond {
		top = l + 1
	}
	t.pyr = make([]model.Buf, top+1)
	bufs := []model.Request{{Dst: &t.z, N: B * t.latent}, {Dst: &t.xd, N: 2 * B * t.w}}
	for k := range t.pyr {
		bufs = append(bufs, model.Request{Dst: &t.pyr[k], N: B * Side(k) * Side(k)})
	}
	if t.cond {
		bufs = append(bufs, []model.Request{{Dst: &t.up, N: B * t.p}, {Dst: &t.fake, N: B * t.p}, {Dst: &t.gin, N: B * (t.latent + t.p)}, {Dst: &t.xg, N: B * t.w}}...)
	}
	if err := t.mem.AllocAll(bufs...); err != nil {
		return fail(err)
	}
	if err := t.G.InitParams(cfg.Seed, stream(l, streamInitG)); err != nil {
		return fail(fmt.Errorf("level %d generator: %w", l, err))
	}
	if t.cond {
		if err := shrinkOutputLayer(t.G, residualInitScale); err != nil {
			return fail(fmt.Errorf("level %d generator: %w", l, err))
		}
	}
	if err := t.D.InitParams(cfg.Seed, stream(l, streamInitD)); err != nil {
		return fail(fmt.Errorf("level %d discriminator: %w", l, err))
	}
	if cfg.GEMA > 0 {
		if err := t.mem.AllocAll(model.Request{Dst: &t.avg, N: t.G.Params.Len()}); err != nil {
			return fail(err)
		}
		be.Copy(t.avg, t.G.Params)
	}
	return t, be.Sync()
}

func (t *levelTrainer) close() {
	t.loop.Close()
	t.G.Free()
	t.D.Free()
	t.mem.Free()
}

// realBatch gathers the next batch and builds its pyramid down to the
// level's coarse image; for a conditional level it also upsamples the
// coarse image into t.up.
func (t *levelTrainer) realBatch() {
	be, B := t.be, t.cfg.Batch
	t.images.Gather(be, t.pyr[0], t.loop.Order, t.loop.Batch)
	be.IncCounter(t.loop.Batch)
	for k := 0; k+1 < len(t.pyr); k++ {
		be.Downsample2x(t.pyr[k+1], t.pyr[k], B, Side(k), Side(k))
	}
	if t.cond {
		be.Upsample2x(t.up, t.pyr[t.l+1], B, t.side/2, t.side/2, 1, 0)
	}
}

// discInput writes D's input rows for generator output g (B, p) into dst
// (B, w): g itself at the coarsest level; else [up(coarse)+g, up(coarse)],
// the generated image beside its condition (Denton et al. 2015 add the
// low-pass image to the residual before D's first layer).
func (t *levelTrainer) discInput(dst, g model.Buf) {
	be, B, p := t.be, t.cfg.Batch, t.p
	if !t.cond {
		be.Copy(dst, g)
		return
	}
	be.Copy(t.fake, g)
	be.Upsample2x(t.fake, t.pyr[t.l+1], B, t.side/2, t.side/2, 1, 1)
	be.CopyCols(dst, t.fake, B, t.w, 0, p, 0, p)
	be.CopyCols(dst, t.up, B, t.w, p, p, 0, p)
}

// genInput draws fresh noise into t.z and returns G's input: z, or
// [z, up(coarse)] for a conditional level.
func (t *levelTrainer) genInput(s uint32) model.Buf {
	be, B := t.be, t.cfg.Batch
	be.Noise(t.z, model.UniformPM1, t.cfg.Seed, stream(t.l, s), t.loop.Noise)
	if !t.cond {
		return t.z
	}
	L := t.latent
	be.CopyCols(t.gin, t.z, B, L+t.p, 0, L, 0, L)
	be.CopyCols(t.gin, t.up, B, L+t.p, L, t.p, 0, t.p)
	return t.gin
}

// Prepare readies nothing: a level's step bakes in no value that changes.
func (t *levelTrainer) Prepare(loop.Batch) (any, error) { return nil, nil }

// Enqueue enqueues one iteration, backend operations only: a
// discriminator update on a real batch and as many generated rows, then a
// generator update (non-saturating loss) on fresh noise with the same
// conditions (the engine then counts the iteration).
func (t *levelTrainer) Enqueue(int) {
	be, c := t.be, t.cfg
	B, p, W := c.Batch, t.p, t.w
	stat := t.loop.Stat
	real, fakeRows := be.View(t.xd, 0, B*W), be.View(t.xd, B*W, B*W)

	t.realBatch()
	fine := t.pyr[t.l]
	if t.cond {
		be.CopyCols(real, fine, B, W, 0, p, 0, p)
		be.CopyCols(real, t.up, B, W, p, p, 0, p)
	} else {
		be.Copy(real, fine)
	}
	gin := t.genInput(streamZD)
	t.discInput(fakeRows, t.G.Forward(gin, B))
	logits := t.D.Forward(t.xd, 2*B)
	dl := t.D.OutputGrad(2 * B)
	lr, lf := be.View(logits, 0, B), be.View(logits, B, B)
	t.obj.DiscLoss(be, be.View(dl, 0, B), be.View(dl, B, B), stat(sLossReal), stat(sLossFake), lr, lf, B)
	be.MeanSigmoid(stat(sDReal), lr)
	be.MeanSigmoid(stat(sDFake), lf)
	t.D.Backward(t.xd, 2*B, true, false)
	adamD, adamG := t.loop.Counters[cAdamD], t.loop.Counters[cAdamG]
	be.IncCounter(adamD)
	t.D.Step(c.DAdam, adamD)

	gin = t.genInput(streamZG)
	gout := t.G.Forward(gin, B)
	din := gout
	if t.cond {
		t.discInput(t.xg, gout)
		din = t.xg
	}
	logits = t.D.Forward(din, B)
	t.obj.GenLoss(be, t.D.OutputGrad(B), stat(sGLoss), logits, B)
	dx := t.D.Backward(din, B, false, true)
	// d(image)/d(residual) is the identity: the residual's gradient is the
	// image columns' gradient
	if t.cond {
		be.CopyCols(t.G.OutputGrad(B), dx, B, p, 0, W, 0, p)
	} else {
		be.Copy(t.G.OutputGrad(B), dx)
	}
	t.G.Backward(gin, B, true, false)
	be.IncCounter(adamG)
	t.G.Step(c.GAdam, adamG)
	if t.avg != nil {
		be.Average(t.avg, t.G.Params, c.GEMA, adamG)
	}
}

// Iterate runs one iteration; a backend that can capture records the
// first and replays it.
func (t *levelTrainer) Iterate() error {
	if err := t.loop.Iterate(t); err != nil {
		return fmt.Errorf("level %d: %w", t.l, err)
	}
	return nil
}

// Stats reads the scalars of the last iteration (a synchronising download).
func (t *levelTrainer) Stats() (Stats, error) {
	v, err := t.loop.ReadStats()
	if err != nil {
		return Stats{}, fmt.Errorf("level %d: %w", t.l, err)
	}
	s := Stats{
		Level: t.l, Step: int(t.loop.Step()), Epoch: int(t.loop.Epoch()),
		DLoss: float64(v[sLossReal]) + float64(v[sLossFake]), GLoss: float64(v[sGLoss]),
		DReal: float64(v[sDReal]), DFake: float64(v[sDFake]),
	}
	for _, x := range []float64{s.DLoss, s.GLoss, s.DReal, s.DFake} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.nonFinite = true
		}
	}
	return s, nil
}

// residualInitScale scales the initial output-layer weights of the
// residual generators. Real residuals are small (standard deviation 0.16
// at 14×14 and 0.12 at 28×28 on the embedded digits) while a Glorot-
// initialised tanh layer starts near 0.4: shrunk, an untrained level
// passes its coarse image through almost unchanged and training starts
// from a plausible image rather than from noise.
const residualInitScale = 0.1

// shrinkOutputLayer multiplies the weights of m's last layer by s; m is
// made of plain dense layers, as every LAPGAN network is.
func shrinkOutputLayer(m *model.Net, s float32) error {
	p, m1, m2, err := m.State()
	if err != nil {
		return err
	}
	off, in := 0, m.Spec.In
	for i, l := range m.Spec.Layers {
		if i == len(m.Spec.Layers)-1 {
			for k := off; k < off+in*l.Units; k++ {
				p[k] *= s
			}
		}
		off += in*l.Units + l.Units
		in = l.Units
	}
	return m.SetState(p, m1, m2)
}
