package lapgan

import (
	"fmt"

	"gan-train/internal/data"

	"gan-train/model"
)

// Levels is the number of pyramid levels: 28×28 (level 0), 14×14 (level 1)
// and 7×7 (level 2).
const Levels = 3

// ImageSide is the side of the full-resolution images (28×28 digits).
const ImageSide = data.ImageSide

// ImageSize is the width of one flattened full-resolution image.
const ImageSize = ImageSide * ImageSide

// Side is the image side of level l: 28, 14, 7.
func Side(l int) int { return ImageSide >> l }

// LevelConfig describes the GAN of one pyramid level.
type LevelConfig struct {
	// Latent is the width of the noise vector z, drawn from U[-1,1).
	Latent int `yaml:"latent" json:"latent"`
	// GHidden and DHidden are the hidden layer widths of the generator and
	// the discriminator (either may be empty: a single dense layer).
	GHidden []int `yaml:"g_hidden" json:"g_hidden"`
	DHidden []int `yaml:"d_hidden" json:"d_hidden"`
	// Steps is the number of training iterations (one discriminator and one
	// generator update each); 0 leaves the level at its initialisation.
	Steps int `yaml:"steps" json:"steps"`
}

// Config is a LAPGAN run: one GAN per pyramid level, trained one after the
// other with the same batch size and optimiser settings. Levels[0] is the
// finest level (28×28), Levels[2] the coarsest (7×7).
type Config struct {
	Levels []LevelConfig `yaml:"levels" json:"levels"`
	Batch  int           `yaml:"batch" json:"batch"`
	// HiddenAct is the activation of every hidden layer of both networks.
	HiddenAct model.ActivationName `yaml:"hidden_act" json:"hidden_act"`
	// Init is the weight initialisation.
	Init  model.Init `yaml:"init" json:"init"`
	GAdam model.Adam `yaml:"g_adam" json:"g_adam"`
	DAdam model.Adam `yaml:"d_adam" json:"d_adam"`
	// LabelSmoothing is one-sided label smoothing (Salimans et al. 2016):
	// real rows get the target 1-LabelSmoothing.
	LabelSmoothing float32 `yaml:"label_smoothing" json:"label_smoothing"`
	Seed           uint64  `yaml:"seed" json:"seed"`
	// GEMA is the decay of a moving average of each level's generator
	// weights (Yazıcı et al. 2019; model.AveragingOps), which sampling
	// uses; 0 is off and samples the last weights.
	GEMA float32 `yaml:"g_ema" json:"g_ema,omitempty"`
	// LogEvery is the number of iterations between progress logs; 0 logs
	// only the end of each level.
	LogEvery int `yaml:"log_every" json:"log_every"`
}

// DefaultConfig is a LAPGAN of MLP levels sized for a CPU. Adam has beta1
// 0.5 (Radford et al. 2015) and the learning rate 5e-4 of the quality
// preset, hidden units are leaky ReLUs, real labels are smoothed to 0.9,
// and samples come from a moving average of each generator's weights
// (decay 0.999), which smooths the residual levels' pixel noise. The 7×7
// level trains 30,000 steps with a two-layer D: with 6,000 steps, a
// one-layer D and lr 2e-4 it collapsed onto eights (bench/RESULTS.md,
// issue 15). On one core of the development machine the three levels ran
// 562, 311 and 59 steps a second (7×7, 14×14, 28×28), so the 7×7 level
// takes about 43% of the run's two minutes, the 28×28 level 41%.
func DefaultConfig() Config {
	adam := model.Adam{LR: 5e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
	return Config{
		Levels: []LevelConfig{
			{Latent: 64, GHidden: []int{512}, DHidden: []int{512}, Steps: 3000},
			{Latent: 32, GHidden: []int{256, 256}, DHidden: []int{256}, Steps: 6000},
			{Latent: 32, GHidden: []int{256, 256}, DHidden: []int{256, 256}, Steps: 30000},
		},
		Batch: 64, HiddenAct: "leaky_relu", Init: model.Glorot,
		GAdam: adam, DAdam: adam, LabelSmoothing: 0.1, Seed: 1, LogEvery: 500,
		GEMA: 0.999,
	}
}

// Validate reports the first problem with c, naming the field.
func (c *Config) Validate() error {
	if len(c.Levels) != Levels {
		return fmt.Errorf("levels: %d given, want %d (28x28, 14x14, 7x7)", len(c.Levels), Levels)
	}
	for l, lc := range c.Levels {
		if lc.Latent <= 0 {
			return fmt.Errorf("levels[%d].latent %d: must be positive", l, lc.Latent)
		}
		if lc.Steps < 0 {
			return fmt.Errorf("levels[%d].steps %d: must not be negative", l, lc.Steps)
		}
		for i, w := range lc.GHidden {
			if w <= 0 {
				return fmt.Errorf("levels[%d].g_hidden[%d] %d: must be positive", l, i, w)
			}
		}
		for i, w := range lc.DHidden {
			if w <= 0 {
				return fmt.Errorf("levels[%d].d_hidden[%d] %d: must be positive", l, i, w)
			}
		}
	}
	if c.Batch <= 0 {
		return fmt.Errorf("batch %d: must be positive", c.Batch)
	}
	if _, err := c.HiddenAct.Activation(); err != nil {
		return fmt.Errorf("hidden_act: %w", err)
	}
	if err := c.Init.Valid(); err != nil {
		return err
	}
	for _, a := range []struct {
		name string
		hp   model.Adam
	}{{"g_adam", c.GAdam}, {"d_adam", c.DAdam}} {
		if err := a.hp.Validate(); err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
	}
	if !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 0.5) {
		return fmt.Errorf("label_smoothing %v: want a value in [0, 0.5)", c.LabelSmoothing)
	}
	if !(c.GEMA >= 0 && c.GEMA < 1) {
		return fmt.Errorf("g_ema %v: want a value in [0, 1) (0 disables averaging)", c.GEMA)
	}
	if c.LogEvery < 0 {
		return fmt.Errorf("log_every %d: must not be negative", c.LogEvery)
	}
	return nil
}

// conditional reports whether level l generates a residual conditioned on
// the coarser level (every level but the coarsest).
func conditional(l int) bool { return l < Levels-1 }

// Specs returns the generator and discriminator of level l. With P the
// level's pixel count: the coarsest generator maps z (Latent) to a P-pixel
// image through a sigmoid, its discriminator sees the image (P); the
// conditional generators map [z, up(coarse)] (Latent+P) to a residual
// through tanh, their discriminators see [up(coarse)+residual,
// up(coarse)] (2P). Discriminators end in one logit.
func (c *Config) Specs(l int) (g, d model.NetSpec, err error) {
	if l < 0 || l >= len(c.Levels) {
		return g, d, fmt.Errorf("level %d: no such level (have %d)", l, len(c.Levels))
	}
	act, err := c.HiddenAct.Activation()
	if err != nil {
		return g, d, fmt.Errorf("hidden_act: %w", err)
	}
	lc := c.Levels[l]
	p := Side(l) * Side(l)
	gIn, dIn, out := lc.Latent, p, model.Sigmoid
	if conditional(l) {
		gIn, dIn, out = lc.Latent+p, 2*p, model.Tanh
	}
	g = model.NetSpec{In: gIn, Init: c.Init}
	for _, w := range lc.GHidden {
		g.Layers = append(g.Layers, model.DenseLayer(w, act))
	}
	g.Layers = append(g.Layers, model.DenseLayer(p, out))
	d = model.NetSpec{In: dIn, Init: c.Init}
	for _, w := range lc.DHidden {
		d.Layers = append(d.Layers, model.DenseLayer(w, act))
	}
	d.Layers = append(d.Layers, model.DenseLayer(1, model.Identity))
	if err := g.Validate(); err != nil {
		return g, d, fmt.Errorf("level %d generator: %w", l, err)
	}
	if err := d.Validate(); err != nil {
		return g, d, fmt.Errorf("level %d discriminator: %w", l, err)
	}
	return g, d, nil
}
