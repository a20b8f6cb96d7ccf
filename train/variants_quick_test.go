package train

import (
	"context"
	"math"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/model"
)

// The f-GAN "gan" divergence is the standard GAN: T(v) = -softplus(-v) and
// F(v) = softplus(v) make -E_real[T] + E_fake[F] the logit BCE, and the
// non-saturating generator's -E_fake[T] its BCE against 1. Both paths must
// follow the same trajectory (up to rounding of the two loss kernels).
func TestGANDivergenceIsStandardGAN(t *testing.T) {
	imgs := digits(t, 400)
	run := func(div Divergence) []Stats {
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

// The maxout-and-dropout discriminator's hand-written backward pass
// against central finite differences of its loss, for parameters and
// input (the dropout mask is a function of its key, so it stays fixed).
func TestMaxoutDropoutGradient(t *testing.T) {
	be := cpu.New(cpu.Options{Workers: 1})
	const B, in = 6, 9
	d, err := model.NewNet(be, discSpec(in, []int{5, 4}, model.LeakyReLU, 3, 0.3, model.Glorot, model.MinibatchSpec{}), B)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free()
	if err := d.InitParams(4, 2); err != nil {
		t.Fatal(err)
	}
	x, _ := be.Alloc(B * in)
	ctr, _ := be.Alloc(1)
	loss, _ := be.Alloc(1)
	be.SetCounter(ctr, 3)
	be.Noise(x, model.UniformPM1, 8, 0, ctr)
	lossAt := func() float64 {
		be.LogitBCE(nil, loss, d.ForwardDropout(x, B, 11, 1024, ctr), 1, 1.0/B)
		v := make([]float32, 1)
		be.Download(v, loss)
		return float64(v[0])
	}
	be.LogitBCE(d.OutputGrad(B), loss, d.ForwardDropout(x, B, 11, 1024, ctr), 1, 1.0/B)
	dx := cpu.Slice(d.Backward(x, B, true, true))
	grads := append([]float32(nil), cpu.Slice(d.Grads)...)
	dxs := append([]float32(nil), dx...)
	for _, c := range []struct {
		name string
		vals []float32
		grad []float32
	}{{"param", cpu.Slice(d.Params), grads}, {"input", cpu.Slice(x), dxs}} {
		checked := 0
		for i := 0; i < len(c.vals); i += 3 {
			const h = 1e-3
			orig := c.vals[i]
			c.vals[i] = orig + h
			up := lossAt()
			c.vals[i] = orig - h
			down := lossAt()
			c.vals[i] = orig
			num := (up - down) / (2 * h)
			if math.Abs(num-float64(c.grad[i])) > 2e-3+0.05*math.Abs(num) {
				t.Errorf("d loss / d %s[%d] = %g, finite difference %g", c.name, i, c.grad[i], num)
			}
			if num != 0 {
				checked++
			}
		}
		if checked < 5 {
			t.Errorf("%s: only %d non-zero finite differences checked", c.name, checked)
		}
	}
}

// Every variant together stops and resumes bit-identically: labels,
// dropout masks and the f-GAN loss hold no state outside the checkpoint.
func TestVariantsResumeBitIdentical(t *testing.T) {
	imgs, labels := labeled(t, 700)
	cfg := tinyConfig(30)
	cfg.Divergence, cfg.Conditional, cfg.DMaxoutPieces, cfg.DDropout, cfg.K = "js", true, 3, 0.5, 2
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), cfg, RunOptions{Dir: full, Images: imgs, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	want := readLog(t, full)
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Labels: labels, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 13 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{Workers: 3}), cfg, opts); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 2}), cfg, RunOptions{Dir: split, Images: imgs, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, split), want)

	// Sampling the checkpoint: one class, all classes, and bad labels.
	ck, err := model.ReadCheckpointFile(RunDir(full).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	be := cpu.New(cpu.Options{})
	a, err := SampleCheckpointLabel(be, ck, 5, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SampleCheckpointLabel(be, ck, 5, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 5*ImageSize || slicesEqual(a, b) {
		t.Errorf("samples for labels 3 and 4: %d values, equal %v; want %d values that differ", len(a), slicesEqual(a, b), 5*ImageSize)
	}
	if _, err := SampleCheckpoint(be, ck, 12, 0); err != nil {
		t.Errorf("SampleCheckpoint of a conditional run: %v", err)
	}
	for _, bad := range []int{10, -2} {
		if _, err := SampleCheckpointLabel(be, ck, 5, 0, bad); err == nil || !strings.Contains(err.Error(), "label") {
			t.Errorf("label %d: error %v, want one naming the label", bad, err)
		}
	}
	// An unconditional checkpoint takes no label.
	plain := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), tinyConfig(2), RunOptions{Dir: plain, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	ck, err = model.ReadCheckpointFile(RunDir(plain).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SampleCheckpointLabel(be, ck, 5, 0, 3); err == nil || !strings.Contains(err.Error(), "not conditional") {
		t.Errorf("label 3 of an unconditional checkpoint: error %v, want one saying it is not conditional", err)
	}
	// A conditional run without labels is refused.
	if err := Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: t.TempDir(), Images: imgs}); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("conditional run without labels: error %v, want one about missing labels", err)
	}
}

func labeled(t testing.TB, n int) ([]float32, []uint8) {
	t.Helper()
	ds, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	h := ds.Head(n)
	return h.Floats(data.Scale01), h.Labels
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
