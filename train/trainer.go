package train

import (
	"errors"
	"fmt"
	"math"

	"gan-train/data"
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
)

// Stats are the scalars of the last training step, read from the backend.
type Stats struct {
	Step          int64   `json:"step"`
	DLoss         float64 `json:"d_loss"`
	GLoss         float64 `json:"g_loss"`
	DReal         float64 `json:"d_real"` // mean D(x)
	DFake         float64 `json:"d_fake"` // mean D(G(z)) in the discriminator step
	DLossReal     float64 `json:"d_loss_real"`
	DLossFake     float64 `json:"d_loss_fake"`
	GradNormD     float64 `json:"grad_norm_d"`
	GradNormG     float64 `json:"grad_norm_g"`
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
	Cfg  Config
	be   model.Backend
	G, D *model.MLP

	n          int // dataset rows
	data, perm model.Buf
	xd         model.Buf // (2*batch, ImageSize): real rows then fake rows
	z          model.Buf // (batch, latent)
	zFixed     model.Buf // (SampleRows, latent)
	stats      model.Buf
	cNoise     model.Buf // noise step = iteration number
	cBatch     model.Buf // batch number within the epoch
	cAdamD     model.Buf
	cAdamG     model.Buf
	owned      []model.Buf

	step, epoch, batchInEpoch int64
	replay                    model.Replay
}

// SampleRows is the size of the fixed noise batch behind the sample grids.
const SampleRows = 64

// NewTrainer builds a fresh training state for cfg on be over images
// (n, ImageSize) in [0,1]. Call Close when done.
func NewTrainer(be model.Backend, cfg Config, images []float32) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(images)%ImageSize != 0 {
		return nil, fmt.Errorf("dataset of %d values is not a whole number of %d-pixel images", len(images), ImageSize)
	}
	n := len(images) / ImageSize
	if n < cfg.Batch*cfg.K {
		return nil, fmt.Errorf("batch %d (times k=%d) is larger than the dataset (%d images)", cfg.Batch, cfg.K, n)
	}
	gs, ds, err := cfg.Specs()
	if err != nil {
		return nil, err
	}
	t := &Trainer{Cfg: cfg, be: be, n: n}
	fail := func(err error) (*Trainer, error) { t.Close(); return nil, err }
	if t.G, err = model.NewMLP(be, gs, max(cfg.Batch, SampleRows)); err != nil {
		return fail(fmt.Errorf("generator: %w", err))
	}
	if t.D, err = model.NewMLP(be, ds, 2*cfg.Batch); err != nil {
		return fail(fmt.Errorf("discriminator: %w", err))
	}
	for _, a := range []struct {
		p *model.Buf
		n int
	}{
		{&t.data, len(images)}, {&t.perm, n}, {&t.xd, 2 * cfg.Batch * ImageSize},
		{&t.z, cfg.Batch * cfg.Latent}, {&t.zFixed, SampleRows * cfg.Latent}, {&t.stats, nStats},
		{&t.cNoise, 1}, {&t.cBatch, 1}, {&t.cAdamD, 1}, {&t.cAdamG, 1},
	} {
		b, err := be.Alloc(a.n)
		if err != nil {
			return fail(fmt.Errorf("allocating %d floats on %s: %w", a.n, be.Name(), err))
		}
		*a.p = b
		t.owned = append(t.owned, b)
	}
	if err := be.Upload(t.data, images); err != nil {
		return fail(fmt.Errorf("uploading the dataset: %w", err))
	}
	if err := t.G.InitParams(cfg.Seed, streamInitG); err != nil {
		return fail(err)
	}
	if err := t.D.InitParams(cfg.Seed, streamInitD); err != nil {
		return fail(err)
	}
	be.Noise(t.zFixed, cfg.Dist(), cfg.Seed, streamFixedZ, t.cNoise) // counter is 0 here
	if err := t.startEpoch(0); err != nil {
		return fail(err)
	}
	return t, be.Sync()
}

// Close frees the trainer's backend memory.
func (t *Trainer) Close() {
	if t.replay != nil {
		t.replay.Free()
		t.replay = nil
	}
	if t.G != nil {
		t.G.Free()
	}
	if t.D != nil {
		t.D.Free()
	}
	for _, b := range t.owned {
		t.be.Free(b)
	}
	t.owned = nil
}

// Step is the number of completed iterations.
func (t *Trainer) Step() int64 { return t.step }

// Epoch is the data epoch in progress.
func (t *Trainer) Epoch() int64 { return t.epoch }

// StepsPerEpoch is the number of batches one epoch holds (the remainder of
// the shuffled dataset is dropped).
func (t *Trainer) StepsPerEpoch() int64 { return int64(t.n / t.Cfg.Batch) }

func (t *Trainer) startEpoch(e int64) error {
	f, err := data.PermutationFloat32(data.Permutation(t.n, t.Cfg.Seed, uint32(e)))
	if err != nil {
		return fmt.Errorf("epoch %d permutation: %w", e, err)
	}
	if err := t.be.Upload(t.perm, f); err != nil {
		return fmt.Errorf("uploading epoch %d permutation: %w", e, err)
	}
	t.be.SetCounter(t.cBatch, 0)
	t.epoch, t.batchInEpoch = e, 0
	return nil
}

// iterate enqueues one iteration: k discriminator steps, one generator step.
func (t *Trainer) iterate() {
	be, c := t.be, &t.Cfg
	B := c.Batch
	real := be.View(t.xd, 0, B*ImageSize)
	fakeRows := be.View(t.xd, B*ImageSize, B*ImageSize)
	stat := func(i int) model.Buf { return be.View(t.stats, i, 1) }
	for j := 0; j < c.K; j++ {
		be.GatherRows(real, t.data, t.perm, ImageSize, t.cBatch)
		be.IncCounter(t.cBatch)
		if c.Binarize {
			be.Binarize(real, real, c.Seed, streamBinarize+uint32(j), t.cNoise)
		}
		if c.GOutAct == "tanh" {
			be.Affine(real, 2, -1)
		}
		be.Noise(t.z, c.Dist(), c.Seed, streamZD+uint32(j), t.cNoise)
		be.Copy(fakeRows, t.G.Forward(t.z, B))
		logits := t.D.Forward(t.xd, 2*B)
		dl := t.D.OutputGrad(2 * B)
		lr, lf := be.View(logits, 0, B), be.View(logits, B, B)
		be.LogitBCE(be.View(dl, 0, B), stat(sLossReal), lr, 1-c.LabelSmoothing, 1/float32(B))
		be.LogitBCE(be.View(dl, B, B), stat(sLossFake), lf, 0, 1/float32(B))
		be.MeanSigmoid(stat(sDReal), lr)
		be.MeanSigmoid(stat(sDFake), lf)
		t.D.Backward(t.xd, 2*B, true, false)
		be.SumSquares(stat(sNormD), t.D.Grads)
		be.IncCounter(t.cAdamD)
		t.D.Step(c.DAdam, t.cAdamD)
	}
	be.Noise(t.z, c.Dist(), c.Seed, streamZG, t.cNoise)
	fake := t.G.Forward(t.z, B)
	logits := t.D.Forward(fake, B)
	if c.GLoss == Minimax {
		// minimise mean log(1 - D(G(z))) = -mean BCE(logit, 0)
		be.LogitBCE(t.D.OutputGrad(B), stat(sGLoss), logits, 0, -1/float32(B))
	} else {
		// minimise -mean log D(G(z)) = mean BCE(logit, 1)
		be.LogitBCE(t.D.OutputGrad(B), stat(sGLoss), logits, 1, 1/float32(B))
	}
	dx := t.D.Backward(fake, B, false, true)
	be.Copy(t.G.OutputGrad(B), dx)
	t.G.Backward(t.z, B, true, false)
	be.SumSquares(stat(sNormG), t.G.Grads)
	be.IncCounter(t.cAdamG)
	t.G.Step(c.GAdam, t.cAdamG)
	be.IncCounter(t.cNoise)
}

// Iterate runs one training iteration (k discriminator steps and one
// generator step). On a backend that can capture, the first call records
// the iteration and every call replays it.
func (t *Trainer) Iterate() error {
	if t.batchInEpoch+int64(t.Cfg.K) > t.StepsPerEpoch() {
		if err := t.startEpoch(t.epoch + 1); err != nil {
			return err
		}
	}
	if cp, ok := t.be.(model.Capturer); ok {
		if t.replay == nil {
			r, err := cp.Capture(t.iterate)
			if err != nil {
				return fmt.Errorf("capturing the training step: %w", err)
			}
			t.replay = r
		}
		if err := t.replay.Run(); err != nil {
			return fmt.Errorf("step %d: %w", t.step+1, err)
		}
	} else {
		t.iterate()
	}
	t.batchInEpoch += int64(t.Cfg.K)
	t.step++
	return nil
}

// Stats reads the scalars of the last iteration (a synchronising download).
func (t *Trainer) Stats() (Stats, error) {
	v := make([]float32, nStats)
	if err := t.be.Download(v, t.stats); err != nil {
		return Stats{}, fmt.Errorf("reading step statistics: %w", err)
	}
	s := Stats{
		Step: t.step, Epoch: t.epoch,
		DLossReal: float64(v[sLossReal]), DLossFake: float64(v[sLossFake]),
		GLoss: float64(v[sGLoss]), DReal: float64(v[sDReal]), DFake: float64(v[sDFake]),
		GradNormD: math.Sqrt(float64(v[sNormD])), GradNormG: math.Sqrt(float64(v[sNormG])),
		SamplesSeen: t.step * int64(t.Cfg.K*t.Cfg.Batch),
	}
	s.DLoss = s.DLossReal + s.DLossFake
	_, s.NonFiniteVals = s.Finite()
	return s, nil
}

// Generate runs the generator on rows of fresh noise drawn from
// (seed, streamSample, call) and returns (rows, ImageSize) in [0,1].
func (t *Trainer) Generate(rows int, seed uint64, call uint32) ([]float32, error) {
	return generate(t.be, t.G, &t.Cfg, rows, seed, call)
}

// FixedSamples runs the generator on the fixed sample noise.
func (t *Trainer) FixedSamples() ([]float32, error) {
	out := make([]float32, SampleRows*ImageSize)
	if err := t.be.Download(out, t.G.Forward(t.zFixed, SampleRows)); err != nil {
		return nil, fmt.Errorf("reading samples: %w", err)
	}
	toUnit(out, t.Cfg.GOutAct)
	return out, nil
}

func toUnit(x []float32, outAct string) {
	if outAct == "tanh" {
		for i := range x {
			x[i] = (x[i] + 1) / 2
		}
	}
}

// generate draws rows samples from g in chunks of g.MaxBatch.
func generate(be model.Backend, g *model.MLP, c *Config, rows int, seed uint64, call uint32) ([]float32, error) {
	if rows <= 0 {
		return nil, errors.New("number of samples must be positive")
	}
	out := make([]float32, rows*ImageSize)
	chunk := g.MaxBatch
	z, err := be.Alloc(chunk * c.Latent)
	if err != nil {
		return nil, fmt.Errorf("allocating sample noise: %w", err)
	}
	defer be.Free(z)
	ctr, err := be.Alloc(1)
	if err != nil {
		return nil, fmt.Errorf("allocating a counter: %w", err)
	}
	defer be.Free(ctr)
	for r, i := 0, uint32(0); r < rows; r, i = r+chunk, i+1 {
		m := min(chunk, rows-r)
		be.SetCounter(ctr, call*65536+i)
		zz := be.View(z, 0, m*c.Latent)
		be.Noise(zz, c.Dist(), seed, streamSample, ctr)
		if err := be.Download(out[r*ImageSize:(r+m)*ImageSize], g.Forward(zz, m)); err != nil {
			return nil, fmt.Errorf("generating samples: %w", err)
		}
	}
	toUnit(out, c.GOutAct)
	return out, nil
}
