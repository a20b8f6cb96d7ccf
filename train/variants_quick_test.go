package train

import (
	"math"
	"strings"
	"testing"

	"gan-train/cpu"
	"gan-train/model"
)

// The f-GAN "gan" divergence is the standard GAN: T(v) = -softplus(-v) and
// F(v) = softplus(v) make -E_real[T] + E_fake[F] the logit BCE, and the
// non-saturating generator's -E_fake[T] its BCE against 1. Both paths must
// follow the same trajectory (up to rounding of the two loss kernels).
func TestGANDivergenceIsStandardGAN(t *testing.T) {
	imgs := digits(t, 400)
	run := func(div string) []Stats {
		c := tinyConfig(15)
		c.Divergence = div
		tr, err := NewTrainer(cpu.New(cpu.Options{Workers: 1}), c, imgs)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		var out []Stats
		for tr.Step() < c.Steps {
			if err := tr.Iterate(); err != nil {
				t.Fatal(err)
			}
			s, err := tr.Stats()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	std, fg := run(""), run("gan")
	for i := range std {
		a, b := std[i], fg[i]
		for _, p := range []struct {
			name string
			x, y float64
		}{{"d_loss", a.DLoss, b.DLoss}, {"g_loss", a.GLoss, b.GLoss}, {"d_real", a.DReal, b.DReal}, {"d_fake", a.DFake, b.DFake}} {
			if math.Abs(p.x-p.y) > 1e-4*(1+math.Abs(p.x)) {
				t.Errorf("step %d %s: standard GAN %v, f-GAN gan divergence %v", a.Step, p.name, p.x, p.y)
			}
		}
	}
}

// A backend without the f-GAN extension is refused with an error naming
// what is missing.
func TestVariantNeedsBackendSupport(t *testing.T) {
	imgs := digits(t, 200)
	be := plainBackend{cpu.New(cpu.Options{})}
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Divergence = "js" }, "f-GAN losses are not implemented on the cpu-plain backend"},
		{func(c *Config) { c.Conditional = true }, "conditional GANs are not implemented on the cpu-plain backend"},
		{func(c *Config) { c.DMaxoutPieces = 3 }, "maxout and dropout are not implemented on the cpu-plain backend"},
		{func(c *Config) { c.DDropout = 0.5 }, "maxout and dropout are not implemented on the cpu-plain backend"},
	} {
		c := tinyConfig(3)
		tc.mut(&c)
		_, err := NewLabeledTrainer(be, c, imgs, make([]uint8, 200))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// plainBackend hides the CPU backend's variant extensions.
type plainBackend struct{ model.Backend }

func (plainBackend) Name() string { return "cpu-plain" }

func TestValidateVariants(t *testing.T) {
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Divergence = "wasserstein" }, "divergence"},
		{func(c *Config) { c.Divergence = "kl"; c.LabelSmoothing = 0.1 }, "label-smoothing"},
		{func(c *Config) { c.DMaxoutPieces = -1 }, "d-maxout-pieces"},
		{func(c *Config) { c.DDropout = 1 }, "d-dropout"},
	} {
		c, _ := Preset("edward")
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %q", err, tc.want)
		}
	}
}
