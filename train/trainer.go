package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gan-train/internal/data"
	"gan-train/internal/loop"
	"gan-train/model"
)

// Noise streams: every random draw of a run is Philox(seed, stream, step).
const (
	streamInitG    = 1
	streamInitD    = 2
	streamFixedZ   = 3
	streamSample   = 5
	streamZD       = 16 // + j for the j-th discriminator step of an iteration
	streamBinarize = 48 // + j
	streamZG       = 80
	streamDropout  = 1024 // + 64*j + layer for the j-th D step; j = k for the G step's pass through D
)

// Stats are the scalars of the last training step, read from the backend.
type Stats struct {
	Step      int64   `json:"step"`
	DLoss     float64 `json:"d_loss"`
	GLoss     float64 `json:"g_loss"`
	DReal     float64 `json:"d_real"` // mean D(x)
	DFake     float64 `json:"d_fake"` // mean D(G(z)) in the discriminator step
	DLossReal float64 `json:"d_loss_real"`
	DLossFake float64 `json:"d_loss_fake"`
	GradNormD float64 `json:"grad_norm_d"`
	GradNormG float64 `json:"grad_norm_g"`
	// the learning rates of the step (the configured ones times
	// Config.LRFactor)
	LRD           float64 `json:"lr_d"`
	LRG           float64 `json:"lr_g"`
	Epoch         int64   `json:"epoch"`
	StepsPerSec   float64 `json:"steps_per_sec"`
	SamplesSeen   int64   `json:"samples_seen"`
	UnixTime      float64 `json:"time"`
	NonFiniteVals int     `json:"-"`
}

// stats buffer layout
const (
	sLossReal = iota
	sLossFake
	sGLoss
	sDReal
	sDFake
	sNormD
	sNormG
	nStats
)

// Finite reports whether every loss and norm is a finite number, and how
// many are not.
func (s *Stats) Finite() (bool, int) {
	n := 0
	for _, v := range []float64{s.DLossReal, s.DLossFake, s.GLoss, s.DReal, s.DFake, s.GradNormD, s.GradNormG} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			n++
		}
	}
	return n == 0, n
}

// Trainer holds a GAN's whole training state on a Backend: both networks,
// their Adam moments, the dataset, the epoch permutation and the counters.
// One call of Iterate performs k discriminator steps and one generator step
// using only backend operations, so a backend that can capture (CUDA graphs)
// records it once and replays it.
type Trainer struct {
	Cfg Config
	be  model.Backend
	G   *model.Net
	D   *model.Net

	obj model.Objective // the game D and G play (Config.Objective)

	// the averaged generator (Cfg.GEMA > 0): its Params hold the moving
	// average of G's, which samples and evaluations use; nil when off.
	gAvg *model.Net

	n   int           // dataset rows
	src data.OnDevice // the dataset's images, float32 or packed bytes
	// loop is the step engine: the epoch's order and the position in it,
	// the counters (Noise: the iteration number; Counters: Adam's steps of
	// D and G), the statistics buffer, and the recorded iteration.
	loop   *loop.Engine
	xd     model.Buf // (2*batch, ImageSize+lw): real rows then fake rows (with their one-hot labels when conditional)
	z      model.Buf // (batch, latent)
	zFixed model.Buf // (SampleRows, latent)

	// conditional or self-conditioned GAN only (lw = labelWidth columns
	// of one-hot labels: classes or clusters):
	labels  model.Buf // (n) class of each dataset row
	yb      model.Buf // (batch) labels of the current batch
	realImg model.Buf // (batch, ImageSize) real images before they join their labels
	zc      model.Buf // (max(batch, SampleRows), latent+lw): G's input
	xg      model.Buf // (batch, ImageSize+lw): D's input in the G step
	yFixed  model.Buf // (SampleRows) labels of the fixed samples (Config.sampleLabels)
	mem     *model.Arena

	// the learning-rate factor (Config.LRFactor) of the step iterate
	// runs: the key of its recording
	lrf float32
	// dataSHA256 fingerprints the training data (SetDataFingerprint); it
	// goes into checkpoints and is checked against theirs on Restore.
	dataSHA256 string
}

// SampleRows is the size of the fixed noise batch behind the sample grids.
const SampleRows = 64

// NewTrainer builds a fresh training state for cfg on be over images
// (n, ImageSize) in [0,1]. Call Close when done. A conditional
// configuration needs labels: use NewLabeledTrainer.
func NewTrainer(be model.Backend, cfg Config, images []float32) (*Trainer, error) {
	return NewLabeledTrainer(be, cfg, images, nil)
}

// NewLabeledTrainer is NewTrainer with the class label of each image
// (n, values below Classes), which a conditional GAN needs and the others
// ignore (labels may then be nil). A self-conditioned configuration
// (Clusters > 0) labels the images with their clusters instead.
func NewLabeledTrainer(be model.Backend, cfg Config, images []float32, labels []uint8) (*Trainer, error) {
	if len(images)%ImageSize != 0 {
		return nil, fmt.Errorf("dataset of %d values is not a whole number of %d-pixel images", len(images), ImageSize)
	}
	labels, err := clusterData(&cfg, images, labels, 1)
	if err != nil {
		return nil, err
	}
	return newTrainer(be, cfg, len(images)/ImageSize, labels, func(t *Trainer) error {
		var err error
		t.src.Images, err = t.mem.AllocUpload(images)
		return err
	})
}

// NewPixelTrainer is NewLabeledTrainer for 8-bit pixels (n, ImageSize),
// byte v standing for v/255 as data.Scale01 maps it: the backend holds the
// bytes (UploadBytes; the cpu backend keeps pixels itself, which must then
// not change while the trainer lives) and turns each batch into float32
// values as it gathers it (GatherBytes), so no float32 copy of the dataset
// (four times the bytes) exists anywhere.
func NewPixelTrainer(be model.Backend, cfg Config, pixels []uint8, labels []uint8) (*Trainer, error) {
	if len(pixels)%ImageSize != 0 {
		return nil, fmt.Errorf("dataset of %d pixels is not a whole number of %d-pixel images", len(pixels), ImageSize)
	}
	labels, err := clusterData(&cfg, pixels, labels, 1.0/255)
	if err != nil {
		return nil, err
	}
	return newTrainer(be, cfg, len(pixels)/ImageSize, labels, func(t *Trainer) error {
		table, err := data.Scale01.Table()
		if err != nil {
			return err
		}
		if t.src.Images, err = t.mem.AllocBytes(pixels); err != nil {
			return err
		}
		t.src.Table, err = t.mem.AllocUpload(table[:])
		return err
	})
}

// newTrainer builds a trainer over n images that upload allocates (in
// t.mem) and writes into the backend's dataset buffer t.src.
func newTrainer(be model.Backend, cfg Config, n int, labels []uint8, upload func(t *Trainer) error) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if n < cfg.Batch*cfg.K {
		return nil, fmt.Errorf("batch %d (times k=%d) is larger than the dataset (%d images)", cfg.Batch, cfg.K, n)
	}
	gs, _, err := cfg.Specs()
	if err != nil {
		return nil, err
	}
	t := &Trainer{Cfg: cfg, be: be, n: n, src: data.OnDevice{Cols: ImageSize}, mem: model.NewArena(be)}
	if t.obj, err = cfg.Objective(); err != nil {
		return nil, err
	}
	var flabels []float32
	if cfg.labelled() {
		if flabels, err = classLabels(labels, n, cfg.labelWidth(), cfg.labelKind()); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Trainer, error) { t.Close(); return nil, err }
	t.loop, err = loop.New(be, loop.Spec{Rows: n, Batch: cfg.Batch, BatchesPerStep: cfg.K, Seed: cfg.Seed,
		OnDevice: true, Stats: nStats, Counters: []int{cAdamD: cfg.K, cAdamG: 1}})
	if err != nil {
		return fail(err)
	}
	if t.G, err = model.NewNet(be, gs, max(cfg.Batch, SampleRows)); err != nil {
		return fail(fmt.Errorf("generator: %w", err))
	}
	if cfg.GEMA > 0 {
		if t.gAvg, err = model.NewNet(be, gs, max(cfg.Batch, SampleRows)); err != nil {
			return fail(fmt.Errorf("averaged generator: %w", err))
		}
	}
	ds, err := cfg.DiscNet()
	if err != nil {
		return fail(err)
	}
	if t.D, err = model.NewNet(be, ds, 2*cfg.Batch); err != nil {
		return fail(fmt.Errorf("discriminator: %w", err))
	}
	if err := t.allocBuffers(); err != nil {
		return fail(err)
	}
	if err := upload(t); err != nil {
		return fail(fmt.Errorf("uploading the dataset: %w", err))
	}
	if cfg.labelled() {
		if err := be.Upload(t.labels, flabels); err != nil {
			return fail(fmt.Errorf("uploading the labels: %w", err))
		}
		if err := be.Upload(t.yFixed, cfg.sampleLabels(SampleRows, 0)); err != nil {
			return fail(fmt.Errorf("uploading the sample labels: %w", err))
		}
	}
	if err := t.G.InitParams(cfg.Seed, streamInitG); err != nil {
		return fail(err)
	}
	if err := t.D.InitParams(cfg.Seed, streamInitD); err != nil {
		return fail(err)
	}
	if t.gAvg != nil {
		be.Copy(t.gAvg.Params, t.G.Params)
	}
	be.Noise(t.zFixed, cfg.Dist(), cfg.Seed, streamFixedZ, t.loop.Noise) // counter is 0 here
	return t, be.Sync()
}

// classLabels checks the labels of a labelled GAN's n images (width
// classes of a conditional GAN, or clusters of a self-conditioned one:
// kind) and returns them as floats.
func classLabels(labels []uint8, n, width int, kind string) ([]float32, error) {
	if labels == nil {
		return nil, errors.New("conditional: the dataset has no labels")
	}
	if len(labels) != n {
		return nil, fmt.Errorf("conditional: %d labels for %d images", len(labels), n)
	}
	flabels := make([]float32, n)
	for i, l := range labels {
		if int(l) >= width {
			return nil, fmt.Errorf("conditional: label %d of image %d is not a %s in [0, %d)", l, i, kind, width)
		}
		flabels[i] = float32(l)
	}
	return flabels, nil
}

// allocBuffers allocates the trainer's buffers besides the networks and
// the dataset (newTrainer's upload) and the step engine's: the batches and
// the noise.
func (t *Trainer) allocBuffers() error {
	cfg, n, lw := &t.Cfg, t.n, t.Cfg.labelWidth()
	bufs := []model.Request{
		{Dst: &t.xd, N: 2 * cfg.Batch * (ImageSize + lw)},
		{Dst: &t.z, N: cfg.Batch * cfg.Latent}, {Dst: &t.zFixed, N: SampleRows * cfg.Latent},
	}
	if cfg.labelled() {
		bufs = append(bufs, []model.Request{
			{Dst: &t.labels, N: n}, {Dst: &t.yb, N: cfg.Batch}, {Dst: &t.realImg, N: cfg.Batch * ImageSize},
			{Dst: &t.zc, N: max(cfg.Batch, SampleRows) * (cfg.Latent + lw)}, {Dst: &t.xg, N: cfg.Batch * (ImageSize + lw)},
			{Dst: &t.yFixed, N: SampleRows},
		}...)
	}
	return t.mem.AllocAll(bufs...)
}

// Close frees the trainer's backend memory.
func (t *Trainer) Close() {
	t.loop.Close()
	t.G.Free()
	t.gAvg.Free()
	t.D.Free()
	t.mem.Free()
}

// Step is the number of completed iterations.
func (t *Trainer) Step() int64 { return t.loop.Step() }

// StepsPerEpoch is the number of batches one epoch holds (the remainder of
// the shuffled dataset is dropped).
func (t *Trainer) StepsPerEpoch() int64 { return t.loop.BatchesPerEpoch() }

// Adam's step counters, in the step engine's Counters
const (
	cAdamD = iota
	cAdamG
)

// ganStep is a Trainer's iteration as the step engine runs it.
type ganStep struct{ t *Trainer }

// Prepare sets the learning-rate factor of the step, which the recorded
// step bakes in.
func (s ganStep) Prepare(loop.Batch) (any, error) {
	s.t.lrf = s.t.Cfg.LRFactor(s.t.loop.Step() + 1)
	return s.t.lrf, nil
}

// Enqueue enqueues one iteration: k discriminator steps, one generator
// step (the engine then counts the iteration).
func (s ganStep) Enqueue(int) {
	for j := 0; j < s.t.Cfg.K; j++ {
		s.t.discStep(j)
	}
	s.t.genStep()
}

// stat is the i-th value of the statistics buffer.
func (t *Trainer) stat(i int) model.Buf { return t.loop.Stat(i) }

// discStep enqueues discriminator step j of an iteration: a real batch and
// a generated batch stacked into one (2·batch)-row pass.
func (t *Trainer) discStep(j int) {
	be, c := t.be, &t.Cfg
	B, lw := c.Batch, c.labelWidth()
	W := ImageSize + lw // D's input width
	real := be.View(t.xd, 0, B*W)
	fakeRows := be.View(t.xd, B*W, B*W)
	img := real
	if lw > 0 {
		img = t.realImg
	}
	t.src.Gather(be, img, t.loop.Order, t.loop.Batch)
	if lw > 0 {
		be.GatherRows(t.yb, t.labels, t.loop.Order, 1, t.loop.Batch)
	}
	be.IncCounter(t.loop.Batch)
	if c.Binarize {
		be.Binarize(img, img, c.Seed, streamBinarize+uint32(j), t.loop.Noise)
	}
	if c.GOutAct == "tanh" {
		be.Affine(img, 2, -1)
	}
	be.Noise(t.z, c.Dist(), c.Seed, streamZD+uint32(j), t.loop.Noise)
	gout := t.G.Forward(t.genInput(t.z, t.yb, B), B)
	if lw > 0 {
		// real and fake rows carry the same labels: those of the real batch
		t.be.CopyCols(real, img, B, W, 0, ImageSize, 0, ImageSize)
		t.be.OneHot(real, t.yb, B, W, ImageSize, lw)
		t.be.CopyCols(fakeRows, gout, B, W, 0, ImageSize, 0, ImageSize)
		t.be.OneHot(fakeRows, t.yb, B, W, ImageSize, lw)
	} else {
		be.Copy(fakeRows, gout)
	}
	logits := t.D.ForwardDropout(t.xd, 2*B, c.Seed, streamDropout+64*uint32(j), t.loop.Noise)
	dl := t.D.OutputGrad(2 * B)
	lr, lf := be.View(logits, 0, B), be.View(logits, B, B)
	t.obj.DiscLoss(be, be.View(dl, 0, B), be.View(dl, B, B), t.stat(sLossReal), t.stat(sLossFake), lr, lf, B)
	be.MeanSigmoid(t.stat(sDReal), lr)
	be.MeanSigmoid(t.stat(sDFake), lf)
	t.D.Backward(t.xd, 2*B, true, false)
	be.SumSquares(t.stat(sNormD), t.D.Grads)
	be.IncCounter(t.loop.Counters[cAdamD])
	t.D.Step(scaledLR(c.DAdam, t.lrf), t.loop.Counters[cAdamD])
}

// genStep enqueues the generator step of an iteration, through the fixed
// discriminator.
func (t *Trainer) genStep() {
	be, c := t.be, &t.Cfg
	B, lw := c.Batch, c.labelWidth()
	W := ImageSize + lw // D's input width
	be.Noise(t.z, c.Dist(), c.Seed, streamZG, t.loop.Noise)
	fake := t.G.Forward(t.genInput(t.z, t.yb, B), B)
	din := fake
	if lw > 0 {
		// the labels of the last discriminator step's batch
		t.be.CopyCols(t.xg, fake, B, W, 0, ImageSize, 0, ImageSize)
		t.be.OneHot(t.xg, t.yb, B, W, ImageSize, lw)
		din = t.xg
	}
	logits := t.D.ForwardDropout(din, B, c.Seed, streamDropout+64*uint32(c.K), t.loop.Noise)
	t.obj.GenLoss(be, t.D.OutputGrad(B), t.stat(sGLoss), logits, B)
	dx := t.D.Backward(din, B, false, true)
	if lw > 0 {
		t.be.CopyCols(t.G.OutputGrad(B), dx, B, ImageSize, 0, W, 0, ImageSize)
	} else {
		be.Copy(t.G.OutputGrad(B), dx)
	}
	t.G.Backward(t.genInput(t.z, t.yb, B), B, true, false)
	be.SumSquares(t.stat(sNormG), t.G.Grads)
	adamG := t.loop.Counters[cAdamG]
	be.IncCounter(adamG)
	t.G.Step(scaledLR(c.GAdam, t.lrf), adamG)
	if t.gAvg != nil {
		t.be.Average(t.gAvg.Params, t.G.Params, c.GEMA, adamG)
	}
}

// genInput returns G's input for noise z (rows, latent): z itself, or for
// a conditional GAN z beside the one-hot codes of labels (rows), written
// into t.zc.
func (t *Trainer) genInput(z, labels model.Buf, rows int) model.Buf {
	lw := t.Cfg.labelWidth()
	if lw == 0 {
		return z
	}
	L := t.Cfg.Latent
	zc := t.be.View(t.zc, 0, rows*(L+lw))
	t.be.CopyCols(zc, z, rows, L+lw, 0, L, 0, L)
	t.be.OneHot(zc, labels, rows, L+lw, L, lw)
	return zc
}

// GridCols is the number of columns sample grids should have: Classes for
// a conditional GAN, whose fixed sample row i has label i%Classes (so each
// grid row reads 0..9), else 8.
func (t *Trainer) GridCols() int {
	if t.Cfg.Conditional {
		return Classes
	}
	return 8
}

// Iterate runs one training iteration (k discriminator steps and one
// generator step). On a backend that can capture, the first call records
// the iteration and every call replays it.
func (t *Trainer) Iterate() error { return t.loop.Iterate(ganStep{t}) }

// Stats reads the scalars of the last iteration (a synchronising download).
func (t *Trainer) Stats() (Stats, error) {
	v, err := t.loop.ReadStats()
	if err != nil {
		return Stats{}, err
	}
	step := t.loop.Step()
	s := Stats{
		Step: step, Epoch: t.loop.Epoch(),
		DLossReal: float64(v[sLossReal]), DLossFake: float64(v[sLossFake]),
		GLoss: float64(v[sGLoss]), DReal: float64(v[sDReal]), DFake: float64(v[sDFake]),
		GradNormD: math.Sqrt(float64(v[sNormD])), GradNormG: math.Sqrt(float64(v[sNormG])),
		SamplesSeen: step * int64(t.Cfg.K*t.Cfg.Batch),
	}
	f := t.Cfg.LRFactor(max(step, 1))
	s.LRD, s.LRG = float64(scaledLR(t.Cfg.DAdam, f).LR), float64(scaledLR(t.Cfg.GAdam, f).LR)
	s.DLoss = s.DLossReal + s.DLossFake
	_, s.NonFiniteVals = s.Finite()
	return s, nil
}

// scaledLR is hp with its learning rate times f.
func scaledLR(hp model.Adam, f float32) model.Adam {
	hp.LR *= f
	return hp
}

// sampler is the generator that samples come from: the averaged one when
// the run keeps an average, else G.
func (t *Trainer) sampler() *model.Net {
	if t.gAvg != nil {
		return t.gAvg
	}
	return t.G
}

// Generate runs the generator (the averaged one when the run keeps an
// average) on rows of fresh noise drawn from (seed, streamSample, call)
// and returns (rows, ImageSize) in [0,1].
func (t *Trainer) Generate(rows int, seed uint64, call uint32) ([]float32, error) {
	return generate(t.be, t.sampler(), &t.Cfg, rows, seed, call)
}

// FixedSamples runs the generator on the fixed sample noise.
func (t *Trainer) FixedSamples() ([]float32, error) {
	out := make([]float32, SampleRows*ImageSize)
	if err := t.be.Download(out, t.sampler().Forward(t.genInput(t.zFixed, t.yFixed, SampleRows), SampleRows)); err != nil {
		return nil, fmt.Errorf("reading samples: %w", err)
	}
	toUnit(out, t.Cfg.GOutAct)
	return out, nil
}

func toUnit(x []float32, outAct model.ActivationName) {
	if outAct == "tanh" {
		for i := range x {
			x[i] = (x[i] + 1) / 2
		}
	}
}

// generate draws rows samples from g in chunks of g.MaxBatch; a
// conditional generator gets labels spread evenly over the classes.
func generate(be model.Backend, g *model.Net, c *Config, rows int, seed uint64, call uint32) ([]float32, error) {
	return generateLabeled(context.Background(), be, g, c, rows, seed, call, -1)
}

// generateLabeled is generate with the class of a conditional generator's
// samples: label in [0, labelWidth) (a class, or a cluster of a
// self-conditioned generator), or -1 for the labels of
// Config.sampleLabels. Unconditional generators take label -1 only.
func generateLabeled(ctx context.Context, be model.Backend, g *model.Net, c *Config, rows int, seed uint64, call uint32, label int) ([]float32, error) {
	if rows <= 0 {
		return nil, errors.New("number of samples must be positive")
	}
	out := make([]float32, rows*ImageSize)
	err := generateEach(ctx, be, g, c, rows, seed, call, label, func(first int, imgs []float32) error {
		copy(out[first*ImageSize:], imgs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// generateEach is generateLabeled that hands the samples to each in chunks
// of at most g.MaxBatch, in order, with the index of the chunk's first
// sample, and stops at each's first error. The chunk, (m, ImageSize) in
// [0,1], is reused: each must not keep it. Nothing of size rows is
// allocated, so a long run of samples stops within a chunk of ctx's end
// and holds only what each keeps.
func generateEach(ctx context.Context, be model.Backend, g *model.Net, c *Config, rows int, seed uint64, call uint32, label int, each func(first int, imgs []float32) error) error {
	if rows <= 0 {
		return errors.New("number of samples must be positive")
	}
	lw := c.labelWidth()
	if label >= 0 && lw == 0 {
		return fmt.Errorf("label %d: the generator is not conditional", label)
	}
	if label < -1 || label >= lw {
		return fmt.Errorf("label %d: want a %s in [0, %d), or -1 for all", label, c.labelKind(), lw)
	}
	if g.Spec.In != c.Latent+lw {
		return fmt.Errorf("generator takes %d inputs, want latent %d plus %d label columns", g.Spec.In, c.Latent, lw)
	}
	chunk := g.MaxBatch
	buf := make([]float32, min(chunk, rows)*ImageSize)
	mem := model.NewArena(be)
	defer mem.Free()
	var z, ctr, zc, yb model.Buf
	reqs := []model.Request{{Dst: &z, N: chunk * c.Latent}, {Dst: &ctr, N: 1}}
	if lw > 0 {
		reqs = append(reqs, model.Request{Dst: &zc, N: chunk * (c.Latent + lw)}, model.Request{Dst: &yb, N: chunk})
	}
	if err := mem.AllocAll(reqs...); err != nil {
		return fmt.Errorf("sampling: %w", err)
	}
	for r, i := 0, uint32(0); r < rows; r, i = r+chunk, i+1 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sampling stopped after %d of %d samples: %w", r, rows, err)
		}
		m := min(chunk, rows-r)
		be.SetCounter(ctr, i)
		zz := be.View(z, 0, m*c.Latent)
		be.Noise(zz, c.Dist(), sampleKey(seed, call), streamSample, ctr)
		in := zz
		if lw > 0 {
			y := c.sampleLabels(m, r)
			if label >= 0 {
				for k := range y {
					y[k] = float32(label)
				}
			}
			yy := be.View(yb, 0, m)
			if err := be.Upload(yy, y); err != nil {
				return fmt.Errorf("uploading sample labels: %w", err)
			}
			in = be.View(zc, 0, m*(c.Latent+lw))
			be.CopyCols(in, zz, m, c.Latent+lw, 0, c.Latent, 0, c.Latent)
			be.OneHot(in, yy, m, c.Latent+lw, c.Latent, lw)
		}
		imgs := buf[:m*ImageSize]
		if err := be.Download(imgs, g.Forward(in, m)); err != nil {
			return fmt.Errorf("generating samples: %w", err)
		}
		if err := be.Sync(); err != nil { // a label the one-hot layout refused
			return fmt.Errorf("generating samples: %w", err)
		}
		toUnit(imgs, c.GOutAct)
		if err := each(r, imgs); err != nil {
			return err
		}
	}
	return nil
}

// SampleCheckpointLabel draws n samples (n, ImageSize) in [0,1] from the
// generator stored in ck, on be, with noise seed (0: the run's seed). For
// a conditional generator, label picks the class of every sample, or -1
// spreads them evenly (sample i has class i%Classes); a self-conditioned
// one takes a cluster, or -1 for clusters drawn as the data's are; an
// unconditional generator takes label -1 only.
func SampleCheckpointLabel(be model.Backend, ck *model.Checkpoint, n int, seed uint64, label int) ([]float32, error) {
	return SampleCheckpointWeights(be, ck, n, seed, label, false)
}

// HasAverage reports whether ck holds an averaged generator (a run with
// g-ema), which the sampling functions use unless asked for the raw weights.
func HasAverage(ck *model.Checkpoint) bool {
	_, ok := ck.Arrays[avgParams]
	return ok
}

// SampleCheckpointWeights is SampleCheckpointLabel with the choice of
// weights: the averaged generator when ck holds one and raw is false, else
// the last iterate of G's weights.
func SampleCheckpointWeights(be model.Backend, ck *model.Checkpoint, n int, seed uint64, label int, raw bool) ([]float32, error) {
	return SampleCheckpointContext(context.Background(), be, ck, n, seed, label, raw)
}

// SampleCheckpointContext is SampleCheckpointWeights that stops with ctx's
// error between chunks of 1024 samples once ctx is done.
func SampleCheckpointContext(ctx context.Context, be model.Backend, ck *model.Checkpoint, n int, seed uint64, label int, raw bool) ([]float32, error) {
	if n <= 0 {
		return nil, errors.New("number of samples must be positive")
	}
	out := make([]float32, n*ImageSize)
	err := SampleCheckpointEach(ctx, be, ck, n, seed, label, raw, func(first int, imgs []float32) error {
		copy(out[first*ImageSize:], imgs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SampleCheckpointEach is SampleCheckpointContext that hands the samples to
// each in chunks of at most 1024, in order, with the index of the chunk's
// first sample, instead of gathering them: memory holds one chunk plus
// whatever each keeps. The chunk is reused; each must not keep it.
func SampleCheckpointEach(ctx context.Context, be model.Backend, ck *model.Checkpoint, n int, seed uint64, label int, raw bool, each func(first int, imgs []float32) error) error {
	cfg, err := ConfigOf(ck)
	if err != nil {
		return err
	}
	if seed == 0 {
		seed = cfg.Seed
	}
	if want := cfg.Latent + cfg.labelWidth(); want != ck.Header.Generator.In {
		return fmt.Errorf("checkpoint config has latent %d (conditional %v, clusters %d) but its generator takes %d inputs",
			cfg.Latent, cfg.Conditional, cfg.Clusters, ck.Header.Generator.In)
	}
	if err := checkClusterSizes(&cfg); err != nil {
		return fmt.Errorf("checkpoint config: %w", err)
	}
	if n <= 0 {
		return errors.New("number of samples must be positive")
	}
	g, err := model.NewNet(be, ck.Header.Generator, min(n, 1024))
	if err != nil {
		return fmt.Errorf("checkpoint generator: %w", err)
	}
	defer g.Free()
	p := ck.Arrays["g.params"]
	if a, ok := ck.Arrays[avgParams]; ok && !raw {
		p = a
	}
	if err := g.SetState(p, make([]float32, len(p)), make([]float32, len(p))); err != nil {
		return fmt.Errorf("checkpoint generator: %w", err)
	}
	return generateEach(ctx, be, g, &cfg, n, seed, 0, label, each)
}

// sampleKey gives each call of a sampling function (an evaluation at a
// given step, say) its own Philox key, so that no two calls share noise
// however long the run; the chunk number is the counter.
func sampleKey(seed uint64, call uint32) uint64 {
	return seed + uint64(call)*0x9E3779B97F4A7C15 // 2^64 / golden ratio
}
