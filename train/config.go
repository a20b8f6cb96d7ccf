package train

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"gan-train/internal/data"
	"gan-train/model"
)

// Config is a complete, resolved run configuration. Its YAML keys are the
// long flag names with dashes turned into underscores.
type Config struct {
	Preset string `yaml:"preset" json:"preset"`
	Seed   uint64 `yaml:"seed" json:"seed"`
	Steps  int64  `yaml:"steps" json:"steps"`
	Batch  int    `yaml:"batch" json:"batch"`

	Latent int   `yaml:"latent" json:"latent"`
	Prior  Prior `yaml:"prior" json:"prior"`

	GHidden    []int                `yaml:"g_hidden" json:"g_hidden"`
	GHiddenAct model.ActivationName `yaml:"g_hidden_act" json:"g_hidden_act"`
	GOutAct    model.ActivationName `yaml:"g_out_act" json:"g_out_act"` // sigmoid: data in [0,1]; tanh: data in [-1,1]
	DHidden    []int                `yaml:"d_hidden" json:"d_hidden"`
	DHiddenAct model.ActivationName `yaml:"d_hidden_act" json:"d_hidden_act"`
	Init       model.Init           `yaml:"init" json:"init"`

	DAdam model.Adam `yaml:"d_adam" json:"d_adam"`
	GAdam model.Adam `yaml:"g_adam" json:"g_adam"`

	K              int           `yaml:"k" json:"k"` // discriminator steps per generator step
	GLoss          GeneratorLoss `yaml:"g_loss" json:"g_loss"`
	LabelSmoothing float32       `yaml:"label_smoothing" json:"label_smoothing"` // real label 1-alpha
	Binarize       bool          `yaml:"binarize" json:"binarize"`

	// Divergence picks an f-GAN objective; empty is the standard GAN's
	// logit binary cross-entropy.
	Divergence Divergence `yaml:"divergence" json:"divergence,omitempty"`
	// Conditional makes a conditional GAN (Mirza and Osindero 2014): a
	// one-hot class label joins the noise at G's input and the image at
	// D's input. It needs a labelled dataset.
	Conditional bool `yaml:"conditional" json:"conditional,omitempty"`
	// Clusters makes an unconditional GAN self-conditioned (Liu et al.
	// 2020): the training images are grouped into that many k-means
	// clusters (clusterData), and a one-hot cluster label joins G's noise
	// and D's image as a class label does in a conditional GAN. No class
	// labels are read; samples draw their clusters in proportion to the
	// clusters' sizes. 0 is off.
	Clusters int `yaml:"clusters" json:"clusters,omitempty"`
	// ClusterSizes are the number of training images in each cluster,
	// which the trainer computes from the data (not a setting); sampling
	// from a checkpoint draws the clusters in these proportions.
	ClusterSizes []int `yaml:"-" json:"cluster_sizes,omitempty"`
	// DMaxoutPieces turns D's hidden layers into maxout layers of that
	// many pieces per unit (Goodfellow et al. 2013); 0 or 1 is off.
	DMaxoutPieces int `yaml:"d_maxout_pieces" json:"d_maxout_pieces,omitempty"`
	// DDropout is the dropout rate of D's hidden layers, in the D steps and
	// in the G step's pass through D; 0 is off.
	DDropout float32 `yaml:"d_dropout" json:"d_dropout,omitempty"`
	// GEMA is the decay of an exponential moving average of G's weights
	// (Yazıcı et al. 2019), ramped up over the first steps (see
	// model.AveragingOps); sample grids, evaluations, `sample` and
	// `eval` use the averaged generator. 0 is off. Training never reads
	// the average, so it does not change what the run computes.
	GEMA float32 `yaml:"g_ema" json:"g_ema,omitempty"`
	// LRDecayFrom makes both learning rates fall linearly after that
	// step, towards 0 at the last one, as Salimans et al. 2016's code
	// (openai/improved-gan) does over the last third of its training. The
	// factor moves in steps of 1/LRDecayLevels so that a backend that
	// records the training step (CUDA graphs) re-records it at most that
	// many times. 0 keeps the rates constant.
	LRDecayFrom int64 `yaml:"lr_decay_from" json:"lr_decay_from,omitempty"`
	// DMinibatchKernels and DMinibatchDims turn on minibatch
	// discrimination (Salimans et al. 2016, section 3.2) in D: the last
	// hidden layer's output is mapped onto DMinibatchKernels vectors of
	// DMinibatchDims values, and for each kernel the sum over the batch
	// of exp(-L1 distance) to the other rows joins D's output layer's
	// input. Real and fake rows are compared within their own batch of
	// Batch rows. The authors' code uses 100 kernels of 5 dims
	// (openai/improved-gan: num_kernels=100 in
	// mnist_svhn_cifar10/train_cifar_minibatch_discrimination.py, and
	// MinibatchLayer's default dim_per_kernel=5 in mnist_svhn_cifar10/nn.py).
	// 0 is off.
	DMinibatchKernels int `yaml:"d_minibatch_kernels" json:"d_minibatch_kernels,omitempty"`
	DMinibatchDims    int `yaml:"d_minibatch_dims" json:"d_minibatch_dims,omitempty"`

	Data string `yaml:"data" json:"data"`

	LogEvery        int64 `yaml:"log_every" json:"log_every"`
	SampleEvery     int64 `yaml:"sample_every" json:"sample_every"`
	CheckpointEvery int64 `yaml:"checkpoint_every" json:"checkpoint_every"`

	// OnDivergence says what a loss or gradient that stops being finite
	// does, at most MaxRollbacks times in a run when it rolls back.
	OnDivergence DivergencePolicy `yaml:"on_divergence" json:"on_divergence,omitempty"`
	MaxRollbacks int              `yaml:"max_rollbacks" json:"max_rollbacks,omitempty"`
}

// DefaultMaxRollbacks is the presets' MaxRollbacks: five halvings take the
// learning rates to 1/32 of where they started.
const DefaultMaxRollbacks = 5

// rollsBack reports whether a divergence rolls the run back.
func (c *Config) rollsBack() bool {
	return c.OnDivergence != OnDivergenceStop && c.MaxRollbacks > 0
}

// MaxK bounds the discriminator steps per iteration: the noise streams of
// the j-th discriminator step are numbered from j (see trainer.go).
const MaxK = 32

// MaxMinibatchKernels and MaxMinibatchDims bound D's minibatch
// discrimination (the paper's experiments used 100 kernels of 5 dims).
const (
	MaxMinibatchKernels = 1024
	MaxMinibatchDims    = 64
)

// ImageSize is the width of one flattened image (data.ImageSize: 28x28).
const ImageSize = data.ImageSize

// Presets are the named starting configurations.
func Presets() map[string]Config {
	edward := Config{
		Preset: "edward", Seed: 1, Steps: 15000, Batch: 128,
		Latent: 100, Prior: PriorUniform,
		GHidden: []int{128}, GHiddenAct: "relu", GOutAct: "sigmoid",
		DHidden: []int{128}, DHiddenAct: "relu", Init: model.Glorot,
		DAdam: model.DefaultAdam(), GAdam: model.DefaultAdam(),
		K: 1, GLoss: NonSaturating, Binarize: true, Data: "digits",
		LogEvery: 100, SampleEvery: 1000, CheckpointEvery: 1000,
		OnDivergence: OnDivergenceRollback, MaxRollbacks: DefaultMaxRollbacks,
	}
	tf := edward
	tf.Preset, tf.Steps, tf.Batch, tf.Latent = "tf-tutorial", 20000, 256, 128
	tf.GHidden, tf.DHidden = []int{256}, []int{128}
	tf.DAdam.LR, tf.GAdam.LR = 0.0005, 0.0001
	tf.Binarize = false

	tiny := edward
	tiny.Preset, tiny.Steps, tiny.Batch, tiny.Latent = "tiny", 400, 32, 16
	tiny.GHidden, tiny.DHidden = []int{32}, []int{32}
	tiny.LogEvery, tiny.SampleEvery, tiny.CheckpointEvery = 10, 100, 100

	// quality goes beyond the seeds with what the GAN literature offers
	// for MLPs: wider networks with a second hidden layer, leaky ReLU (Maas
	// et al. 2013; slope 0.2 as in Radford et al. 2016), a tanh output on
	// data scaled to [-1,1], Adam with beta1 0.5 (Radford et al. 2016),
	// one-sided label smoothing 0.1 (Salimans et al. 2016), dropout 0.2 in
	// D (Goodfellow et al. 2014 used dropout in D), continuous (not
	// binarized) data, batch 64, a conditional GAN (Mirza and Osindero
	// 2014: the one-hot label joins G's noise and D's image; its
	// unconditional samples cycle through the ten labels), and samples
	// drawn from a moving average of G's weights (Yazıcı et al. 2019).
	// On seed 1 (bench/RESULTS.md, issue 15), a learning rate of 5e-4
	// rather than Radford et al.'s 2e-4, and an average over about 5,000
	// steps (decay 0.9998) rather than 1,000, each raised the Parzen
	// estimate by 5 to 8 nats at the same length; with both, five seeds at
	// 42,000 steps score above the real digits' Parzen floor, and 42,000
	// steps took 6m46s on the two cores of the development machine.
	// Minibatch discrimination (32 kernels of 4 dims) lowers the Frechet distance further but is left
	// out: one seed in three collapsed with it (D won from the first
	// thousand steps). bench/RESULTS.md has the runs behind each choice,
	// its scores and its cost.
	quality := edward
	quality.Preset, quality.Steps, quality.Batch = "quality", 42000, 64
	quality.GHidden, quality.GHiddenAct, quality.GOutAct = []int{256, 512}, "leaky_relu", "tanh"
	quality.DHidden, quality.DHiddenAct = []int{512, 256}, "leaky_relu"
	quality.DAdam = model.Adam{LR: 0.0005, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
	quality.GAdam = quality.DAdam
	quality.LabelSmoothing, quality.DDropout, quality.Binarize = 0.1, 0.2, false
	quality.GEMA = 0.9998
	quality.Conditional = true

	// quick is what `make run` trains in under two minutes on two shared
	// cores: the quality networks at a learning rate of 1e-3, which gave
	// the lowest Frechet distance at that length of the settings tried
	// (bench/RESULTS.md), for 3,000 steps: 4,000 took 2m12s on the machine
	// shared with other builds. A grid every 200 steps for progress.gif.
	// Its average's decay is quality's, but over 3,000 steps the ramp
	// (1+t)/(10+t) of model.AverageDecay stays below 0.999, so the decay
	// in use is the ramp.
	quick := quality
	quick.Preset, quick.Steps = "quick", 3000
	quick.DAdam.LR, quick.GAdam.LR = 0.001, 0.001
	quick.SampleEvery, quick.CheckpointEvery = 200, 1000

	return map[string]Config{"edward": edward, "tf-tutorial": tf, "quick": quick, "tiny": tiny, "quality": quality}
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	var names []string
	for n := range Presets() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns the named preset.
func Preset(name string) (Config, error) {
	c, ok := Presets()[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown preset %q (want one of %s)", name, strings.Join(PresetNames(), ", "))
	}
	return c, nil
}

// Validate reports every invalid setting, naming each.
func (c *Config) Validate() error {
	return errors.Join(c.checkSchedule(), c.checkNetworks(), c.checkObjective())
}

// positive reports name's value v unless it is positive.
func positive(name string, v int64) error {
	if v <= 0 {
		return fmt.Errorf("%s %d: must be positive", name, v)
	}
	return nil
}

// checkSchedule checks the step counts, the batch and the intervals.
func (c *Config) checkSchedule() error {
	errs := []error{positive("steps", c.Steps), positive("batch", int64(c.Batch)), positive("latent", int64(c.Latent)), positive("k", int64(c.K))}
	if c.K > MaxK {
		errs = append(errs, fmt.Errorf("k %d: at most %d (each discriminator step of an iteration draws from its own noise streams)", c.K, MaxK))
	} else if c.K > 0 && c.Steps > math.MaxUint32/int64(c.K) {
		errs = append(errs, fmt.Errorf("steps %d times k %d: at most %d discriminator steps in a run", c.Steps, c.K, uint32(math.MaxUint32)))
	}
	errs = append(errs, positive("log-every", c.LogEvery), positive("sample-every", c.SampleEvery), positive("checkpoint-every", c.CheckpointEvery))
	if c.Steps > math.MaxUint32/4 {
		errs = append(errs, fmt.Errorf("steps %d: at most %d", c.Steps, math.MaxUint32/4))
	}
	if c.LRDecayFrom < 0 || (c.LRDecayFrom > 0 && c.LRDecayFrom >= c.Steps) {
		errs = append(errs, fmt.Errorf("lr-decay-from %d: want 0 (constant rates) or a step before the last (%d)", c.LRDecayFrom, c.Steps))
	}
	return errors.Join(errs...)
}

// checkNetworks checks the shapes, activations and regularisers of G and D.
func (c *Config) checkNetworks() error {
	var errs []error
	for _, w := range c.GHidden {
		errs = append(errs, positive("g-hidden width", int64(w)))
	}
	for _, w := range c.DHidden {
		errs = append(errs, positive("d-hidden width", int64(w)))
	}
	if out, err := c.GOutAct.Activation(); err != nil || (out != model.Sigmoid && out != model.Tanh) {
		errs = append(errs, fmt.Errorf("g-out-act %q: want sigmoid (data in [0,1]) or tanh (data in [-1,1])", c.GOutAct))
	}
	for _, a := range []struct {
		name string
		v    model.ActivationName
	}{{"g-hidden-act", c.GHiddenAct}, {"d-hidden-act", c.DHiddenAct}} {
		if _, err := a.v.Activation(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a.name, err))
		}
	}
	errs = append(errs, c.Init.Valid())
	if c.DMaxoutPieces < 0 || c.DMaxoutPieces > 64 {
		errs = append(errs, fmt.Errorf("d-maxout-pieces %d: want 0 (off) to 64", c.DMaxoutPieces))
	}
	switch {
	case c.DMinibatchKernels < 0 || c.DMinibatchKernels > MaxMinibatchKernels:
		errs = append(errs, fmt.Errorf("d-minibatch-kernels %d: want 0 (off) to %d", c.DMinibatchKernels, MaxMinibatchKernels))
	case c.DMinibatchDims < 0 || c.DMinibatchDims > MaxMinibatchDims:
		errs = append(errs, fmt.Errorf("d-minibatch-dims %d: want 0 (with d-minibatch-kernels 0) to %d", c.DMinibatchDims, MaxMinibatchDims))
	case c.Clusters < 0 || c.Clusters == 1 || c.Clusters > MaxClusters:
		errs = append(errs, fmt.Errorf("clusters %d: want 0 (off) or 2 to %d", c.Clusters, MaxClusters))
	case c.Clusters > 0 && c.Conditional:
		errs = append(errs, fmt.Errorf("clusters %d: a conditional GAN takes the dataset's class labels; clusters are for an unconditional one (--conditional=false)", c.Clusters))
	case c.ClusterSizes != nil && len(c.ClusterSizes) != c.Clusters:
		errs = append(errs, fmt.Errorf("cluster sizes: %d given for %d clusters", len(c.ClusterSizes), c.Clusters))
	case c.DMinibatchKernels == 0 && c.DMinibatchDims != 0:
		errs = append(errs, fmt.Errorf("d-minibatch-dims %d: needs d-minibatch-kernels (0: minibatch discrimination is off)", c.DMinibatchDims))
	case c.DMinibatchKernels > 0 && c.DMinibatchDims == 0:
		errs = append(errs, fmt.Errorf("d-minibatch-dims 0: must be positive with d-minibatch-kernels %d (Salimans et al. used 5)", c.DMinibatchKernels))
	}
	if !(c.DDropout >= 0 && c.DDropout < 1) {
		errs = append(errs, fmt.Errorf("d-dropout %v: must be in [0,1)", c.DDropout))
	}
	if !(c.GEMA >= 0 && c.GEMA < 1) {
		errs = append(errs, fmt.Errorf("g-ema %v: must be in [0,1) (0 disables averaging)", c.GEMA))
	}
	return errors.Join(errs...)
}

// checkObjective checks the optimisers, the prior, the losses and what a
// diverging run does.
func (c *Config) checkObjective() error {
	var errs []error
	for _, a := range []struct {
		side string
		hp   model.Adam
	}{{"d", c.DAdam}, {"g", c.GAdam}} {
		if err := a.hp.Validate(); err != nil {
			// Adam names the setting first: "d-" makes it the flag's name.
			errs = append(errs, fmt.Errorf("%s-%w", a.side, err))
		}
	}
	if !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1) {
		errs = append(errs, fmt.Errorf("label-smoothing %v: must be in [0,1)", c.LabelSmoothing))
	}
	errs = append(errs, c.Prior.Valid(), c.GLoss.Valid())
	if _, err := c.Divergence.FDivergence(); err != nil {
		errs = append(errs, err)
	} else if c.Divergence != "" && c.LabelSmoothing != 0 {
		errs = append(errs, fmt.Errorf("label-smoothing %v: applies to the standard GAN loss only, not to divergence %q", c.LabelSmoothing, c.Divergence))
	}
	errs = append(errs, c.OnDivergence.Valid())
	if c.MaxRollbacks < 0 {
		errs = append(errs, fmt.Errorf("max-rollbacks %d: must not be negative", c.MaxRollbacks))
	}
	return errors.Join(errs...)
}

// Specs builds the generator and discriminator networks of c (after
// Validate), as checkpoints record them.
func (c *Config) Specs() (g, d model.NetSpec, err error) {
	gAct, err := c.GHiddenAct.Activation()
	if err != nil {
		return g, d, fmt.Errorf("g-hidden-act: %w", err)
	}
	if d, err = c.DiscNet(); err != nil {
		return g, d, err
	}
	out, err := c.GOutAct.Activation()
	if err != nil {
		return g, d, fmt.Errorf("g-out-act: %w", err)
	}
	g = model.NetSpec{In: c.Latent + c.labelWidth(), Init: c.Init}
	for _, w := range c.GHidden {
		g.Layers = append(g.Layers, model.DenseLayer(w, gAct))
	}
	g.Layers = append(g.Layers, model.DenseLayer(ImageSize, out))
	return g, d, nil
}

// DiscNet is D's network of c (after Validate): Goodfellow et al.
// 2014's discriminator when maxout and dropout are on.
func (c *Config) DiscNet() (model.NetSpec, error) {
	dAct, err := c.DHiddenAct.Activation()
	if err != nil {
		return model.NetSpec{}, fmt.Errorf("d-hidden-act: %w", err)
	}
	return discSpec(ImageSize+c.labelWidth(), c.DHidden, dAct, c.DMaxoutPieces, c.DDropout, c.Init,
		model.MinibatchSpec{Kernels: c.DMinibatchKernels, Dims: c.DMinibatchDims, Group: c.Batch}), nil
}

// discSpec is a discriminator over inputs of width in: hidden layers of
// widths hidden, maxout layers of pieces identity pieces when pieces > 1
// (else act), each followed by dropout at rate dropout, then one logit,
// with minibatch discrimination as mb says (its group: the B rows of
// one half, real or fake, of a D batch of 2B rows).
func discSpec(in int, hidden []int, act model.Activation, pieces int, dropout float32, init model.Init, mb model.MinibatchSpec) model.NetSpec {
	pieces = max(pieces, 1)
	if pieces > 1 {
		act = model.Identity
	}
	if mb.Kernels == 0 {
		mb = model.MinibatchSpec{} // off: no group size either
	}
	s := model.NetSpec{In: in, Init: init, Minibatch: mb}
	for _, u := range hidden {
		s.Layers = append(s.Layers, model.NetLayer{Units: u, Pieces: pieces, Act: act, Dropout: dropout})
	}
	s.Layers = append(s.Layers, model.DenseLayer(1, model.Identity))
	return s
}

// Classes is the number of class labels of a conditional GAN
// (data.Classes: digits and Fashion-MNIST both have 10).
const Classes = data.Classes

// labelWidth is the width of the one-hot label columns of G's and D's inputs.
func (c *Config) labelWidth() int {
	switch {
	case c.Conditional:
		return Classes
	case c.Clusters > 0:
		return c.Clusters
	}
	return 0
}

// Dist is the latent prior as a noise distribution.
func (c *Config) Dist() model.Dist { return c.Prior.Dist() }

// LRDecayLevels is the number of values the learning-rate factor of
// Config.LRDecayFrom takes.
const LRDecayLevels = 100

// LRFactor is the factor of both learning rates in iteration step (the
// step being computed, counted from 1): 1 up to LRDecayFrom, then falling
// linearly, rounded up to a multiple of 1/LRDecayLevels, to
// ceil(LRDecayLevels/span)/LRDecayLevels at the last step, with span =
// Steps - LRDecayFrom (1/LRDecayLevels when span >= LRDecayLevels). The
// schedule follows Steps, so a run resumed with more steps climbs back up
// it.
func (c *Config) LRFactor(step int64) float32 {
	if c.LRDecayFrom <= 0 || step <= c.LRDecayFrom {
		return 1
	}
	span := float64(c.Steps - c.LRDecayFrom)
	left := max(float64(c.Steps-step+1), 1) // span at the first decayed step, 1 at the last
	q := math.Ceil(left/span*LRDecayLevels) / LRDecayLevels
	return float32(min(q, 1))
}
