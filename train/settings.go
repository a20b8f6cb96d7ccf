package train

import (
	"fmt"

	"gan-train/internal/enum"
	"gan-train/model"
)

// GeneratorLoss is the loss the generator minimises with the standard GAN
// objective, and the f-GAN generator term it uses otherwise (Config.GLoss).
type GeneratorLoss string

// Generator losses.
const (
	NonSaturating GeneratorLoss = "non-saturating" // minimise -log D(G(z)), Goodfellow et al. 2014's practical choice
	Minimax       GeneratorLoss = "minimax"        // minimise log(1 - D(G(z))), the saturating original
)

// Valid reports whether l is a known loss, listing them if not.
func (l GeneratorLoss) Valid() error { return enum.Check("g-loss", l, NonSaturating, Minimax) }

// String returns the loss's name.
func (l GeneratorLoss) String() string { return string(l) }

// MarshalText returns the loss's name.
func (l GeneratorLoss) MarshalText() ([]byte, error) { return []byte(l), nil }

// UnmarshalText accepts the names of the losses and rejects others.
func (l *GeneratorLoss) UnmarshalText(text []byte) error {
	return enum.Unmarshal(l, text, GeneratorLoss.Valid)
}

// Prior is the distribution of the generator's noise (Config.Prior).
type Prior string

// Latent priors.
const (
	PriorUniform Prior = "uniform" // Uniform[-1,1)
	PriorNormal  Prior = "normal"  // Normal(0,1)
)

// Valid reports whether p is a known prior, listing them if not.
func (p Prior) Valid() error { return enum.Check("prior", p, PriorUniform, PriorNormal) }

// Dist is p as the noise distribution the backends draw.
func (p Prior) Dist() model.Dist {
	if p == PriorNormal {
		return model.Normal
	}
	return model.UniformPM1
}

// String returns the prior's name.
func (p Prior) String() string { return string(p) }

// MarshalText returns the prior's name.
func (p Prior) MarshalText() ([]byte, error) { return []byte(p), nil }

// UnmarshalText accepts the names of the priors and rejects others.
func (p *Prior) UnmarshalText(text []byte) error { return enum.Unmarshal(p, text, Prior.Valid) }

// Divergence names an f-GAN objective (Nowozin et al. 2016; see
// model.FDivergence): kl, reverse-kl, pearson, squared-hellinger, js or gan.
// Empty is the standard GAN's logit binary cross-entropy (Config.Divergence).
type Divergence string

// FDivergence is d as the objective the backends compute (model.FNone when
// empty).
func (d Divergence) FDivergence() (model.FDivergence, error) {
	f, err := model.ParseFDivergence(string(d))
	if err != nil {
		return 0, fmt.Errorf("divergence: %w", err)
	}
	return f, nil
}

// String returns the divergence's name.
func (d Divergence) String() string { return string(d) }

// MarshalText returns the divergence's name.
func (d Divergence) MarshalText() ([]byte, error) { return []byte(d), nil }

// UnmarshalText accepts the names of the f-divergences (and the empty
// name) and rejects others.
func (d *Divergence) UnmarshalText(text []byte) error {
	return enum.Unmarshal(d, text, func(v Divergence) error { _, err := model.ParseFDivergence(string(v)); return err })
}

// DivergencePolicy says what a run does when a loss or gradient stops being
// finite (Config.OnDivergence).
type DivergencePolicy string

// Divergence policies.
const (
	// OnDivergenceRollback (also the empty policy) restores the last
	// checkpoint, halves both learning rates and goes on.
	OnDivergenceRollback DivergencePolicy = "rollback"
	// OnDivergenceStop ends the run with an error.
	OnDivergenceStop DivergencePolicy = "stop"
)

// Valid reports whether p is a known policy or empty, listing the policies
// if not.
func (p DivergencePolicy) Valid() error {
	if p == "" {
		return nil
	}
	return enum.Check("on-divergence", p, OnDivergenceRollback, OnDivergenceStop)
}

// String returns the policy's name.
func (p DivergencePolicy) String() string { return string(p) }

// MarshalText returns the policy's name.
func (p DivergencePolicy) MarshalText() ([]byte, error) { return []byte(p), nil }

// UnmarshalText accepts the names of the policies (and the empty name) and
// rejects others.
func (p *DivergencePolicy) UnmarshalText(text []byte) error {
	return enum.Unmarshal(p, text, DivergencePolicy.Valid)
}

// Objective is the game the configuration's networks play: the f-GAN of
// Divergence when one is set (the generator's loss per GLoss), else the
// logistic GAN with one-sided label smoothing and GLoss.
func (c *Config) Objective() (model.Objective, error) {
	div, err := c.Divergence.FDivergence()
	if err != nil {
		return nil, err
	}
	minimax := c.GLoss == Minimax
	if div != model.FNone {
		return model.VDM{Div: div, Minimax: minimax}, nil
	}
	return model.Logistic{LabelSmoothing: c.LabelSmoothing, Minimax: minimax}, nil
}
