//go:build learn

package train

import (
	"context"
	"fmt"
	"math"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/testtools"
)

// The variants' learning tests train small networks for a few hundred
// steps on the embedded digits and measure what each variant should
// change. They print their figures (go test -v -run Learns ./train/).

// variantConfig is a small, quick configuration for the learning tests.
func variantConfig(steps int64) Config {
	c, _ := Preset("tiny")
	c.Steps, c.Batch, c.Latent = steps, 64, 32
	c.GHidden, c.DHidden = []int{128}, []int{128}
	c.DHiddenAct = "leaky_relu"
	c.DAdam.Beta1, c.GAdam.Beta1 = 0.5, 0.5
	c.Binarize = false
	return c
}

// learnResult summarises a training run.
type learnResult struct {
	dReal, dFake float64 // mean D(x) on real and fake rows over the last quarter of the steps
	dLoss        float64 // mean discriminator loss over the last quarter
	errBefore    float64 // mean squared difference of the mean generated and mean real images, untrained
	errAfter     float64 // the same after training
	auc          float64 // P(logit of a real image > logit of a generated one), after training
}

func meanImage(imgs []float32) []float64 {
	m := make([]float64, ImageSize)
	n := len(imgs) / ImageSize
	for i, v := range imgs {
		m[i%ImageSize] += float64(v) / float64(n)
	}
	return m
}

func sqDiff(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return s / float64(len(a))
}

// trainFor runs cfg for cfg.Steps iterations on the CPU.
func trainFor(t *testing.T, cfg Config, imgs []float32, labels []uint8) (*Trainer, learnResult) {
	t.Helper()
	tr, err := NewLabeledTrainer(cpu.New(cpu.Options{Workers: 2}), cfg, imgs, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	realMean := meanImage(imgs)
	gen := func() []float64 {
		g, err := tr.Generate(512, 99, 0)
		if err != nil {
			t.Fatal(err)
		}
		return meanImage(g)
	}
	var r learnResult
	r.errBefore = sqDiff(gen(), realMean)
	tail := cfg.Steps / 4
	for tr.Step() < cfg.Steps {
		if err := tr.Iterate(); err != nil {
			t.Fatal(err)
		}
		if tr.Step() > cfg.Steps-tail {
			s, err := tr.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := s.Finite(); !ok {
				t.Fatalf("step %d: non-finite statistics %+v", s.Step, s)
			}
			r.dReal += s.DReal / float64(tail)
			r.dFake += s.DFake / float64(tail)
			r.dLoss += s.DLoss / float64(tail)
		}
	}
	r.errAfter = sqDiff(gen(), realMean)
	r.auc = separation(t, tr, imgs, labels)
	return tr, r
}

// separation is the discriminator's AUC: the probability that a real
// image's logit exceeds a generated image's, over a batch of each (the
// first images of the dataset and fresh samples; conditional samples get
// the real images' labels). Any monotone output activation g_f leaves it
// unchanged, so it compares f-GAN critics and standard discriminators alike.
func separation(t *testing.T, tr *Trainer, imgs []float32, labels []uint8) float64 {
	t.Helper()
	B, be := tr.Cfg.Batch, tr.be
	W := ImageSize + tr.Cfg.labelWidth()
	x := make([]float32, 2*B*W)
	var fake []float32
	var err error
	if tr.Cfg.Clusters > 0 {
		labels = trainerLabels(t, tr)
	}
	if tr.Cfg.labelled() {
		fake = make([]float32, B*ImageSize)
		for r := 0; r < B; r++ {
			g, err := generateLabel(tr, 1, 7, uint32(r), int(labels[r]))
			if err != nil {
				t.Fatal(err)
			}
			copy(fake[r*ImageSize:], g)
		}
	} else if fake, err = tr.Generate(B, 7, 1); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < B; r++ {
		copy(x[r*W:r*W+ImageSize], imgs[r*ImageSize:(r+1)*ImageSize])
		copy(x[(B+r)*W:(B+r)*W+ImageSize], fake[r*ImageSize:(r+1)*ImageSize])
		if tr.Cfg.labelled() {
			x[r*W+ImageSize+int(labels[r])] = 1
			x[(B+r)*W+ImageSize+int(labels[r])] = 1
		}
	}
	if err := be.Upload(tr.xd, x); err != nil {
		t.Fatal(err)
	}
	logits := make([]float32, 2*B)
	if err := be.Download(logits, tr.D.ForwardDropout(tr.xd, 2*B, 1, streamDropout, tr.loop.Noise)); err != nil {
		t.Fatal(err)
	}
	var wins float64
	for _, a := range logits[:B] {
		for _, b := range logits[B:] {
			switch {
			case a > b:
				wins++
			case a == b:
				wins += 0.5
			}
		}
	}
	return wins / float64(B*B)
}

func TestFGANLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains six GANs")
	}
	imgs := digits(t, 2048)
	for _, div := range []Divergence{"kl", "reverse-kl", "pearson", "squared-hellinger", "js", "gan"} {
		t.Run(string(div), func(t *testing.T) {
			c := variantConfig(400)
			c.Divergence = div
			factor := 0.5
			if div == "kl" {
				// The KL generator's objective E_fake[v] is linear in an
				// unbounded logit: at lr 1e-3 (and 3e-4) it overtakes the
				// critic (AUC below 0.5), so KL trains slower, and gets
				// a looser bound on the mean image.
				c.Steps, c.DAdam.LR, c.GAdam.LR = 600, 1e-4, 1e-4
				factor = 0.6
			}
			_, r := trainFor(t, c, imgs, nil)
			t.Logf("%s: AUC %.3f, mean sigmoid(v) real %.3f fake %.3f, D loss %.4f (the divergence estimate is its negative); mean-image error %.5f -> %.5f",
				div, r.auc, r.dReal, r.dFake, r.dLoss, r.errBefore, r.errAfter)
			if !(r.auc > 0.6) {
				t.Errorf("%s: D does not separate real from fake: AUC %.3f, want above 0.6", div, r.auc)
			}
			if !(r.errAfter < r.errBefore*factor) {
				t.Errorf("%s: the mean generated image did not approach the data's: error %.5f -> %.5f, want at most %.1f times",
					div, r.errBefore, r.errAfter, factor)
			}
		})
	}
}

// A conditional GAN generates the digit it is asked for. Class means of
// digits share one blob of ink, so the check correlates what is specific
// to each class: the mean image of the samples for label l minus the mean
// over all labels, against the real class mean minus the real overall
// mean. For most labels the best match must be the label's own class
// (chance is one in ten).
func TestConditionalGANLearns(t *testing.T) {
	imgs, labels := labeled(t, 4096)
	c := variantConfig(2000)
	c.Conditional = true
	tr, r := trainFor(t, c, imgs, labels)
	matched, diag := ownMeansMatch(t, tr, imgs, labels, Classes)
	t.Logf("conditional: %d of %d labels best match their own class (mean own-class correlation %.3f); AUC %.3f, mean-image error %.5f -> %.5f",
		matched, Classes, diag, r.auc, r.errBefore, r.errAfter)
	if matched < 7 || diag < 0.4 {
		t.Errorf("%d of %d labels generate images closest to their own class's mean (mean own-class correlation %.3f), want at least 7 (and 0.4; chance is about 1 and 0)",
			matched, Classes, diag)
	}
}

// Goodfellow et al. 2014's discriminator: maxout hidden units (5 pieces)
// with dropout 0.5 in the hidden layers. It must still learn to separate
// real from generated digits, and its generator must approach the data.
func TestMaxoutDropoutLearns(t *testing.T) {
	imgs := digits(t, 2048)
	for _, v := range []struct {
		name    string
		pieces  int
		dropout float32
	}{{"maxout", 5, 0}, {"dropout", 0, 0.5}, {"maxout+dropout", 5, 0.5}} {
		t.Run(v.name, func(t *testing.T) {
			c := variantConfig(400)
			c.DHidden = []int{64}
			c.DMaxoutPieces, c.DDropout = v.pieces, v.dropout
			_, r := trainFor(t, c, imgs, nil)
			t.Logf("%s: AUC %.3f, mean D(real) %.3f, D(fake) %.3f; mean-image error %.5f -> %.5f",
				v.name, r.auc, r.dReal, r.dFake, r.errBefore, r.errAfter)
			if !(r.auc > 0.6) {
				t.Errorf("%s: D does not separate real from fake: AUC %.3f, want above 0.6", v.name, r.auc)
			}
			if !(r.errAfter < r.errBefore/2) {
				t.Errorf("%s: the mean generated image did not approach the data's: error %.5f -> %.5f, want half or less",
					v.name, r.errBefore, r.errAfter)
			}
		})
	}
}

// One-sided label smoothing (Salimans et al. 2016) caps what D claims
// about real data: with real targets 1-alpha = 0.8 the mean D(x) on real
// batches stays at or below about 0.8 (the optimum of BCE against 0.8),
// where without smoothing it climbs well above (0.865 here).
func TestLabelSmoothingLearns(t *testing.T) {
	imgs := digits(t, 2048)
	var got [2]float64
	for i, alpha := range []float32{0, 0.2} {
		c := variantConfig(400)
		c.LabelSmoothing = alpha
		_, r := trainFor(t, c, imgs, nil)
		got[i] = r.dReal
		t.Logf("label smoothing %.1f: mean D(real) %.3f, D(fake) %.3f over the last quarter; AUC %.3f", alpha, r.dReal, r.dFake, r.auc)
	}
	if !(got[1] < 0.82 && got[0] > got[1]+0.08) {
		t.Errorf("mean D(real): %.3f without smoothing, %.3f with alpha 0.2; want below 0.82 with it and 0.08 higher without", got[0], got[1])
	}
}

// k discriminator steps per generator step strengthen D: after the same
// number of iterations, k=5's D separates real from generated digits
// further (mean D(real) - D(fake)) than k=1's.
func TestKStepsLearns(t *testing.T) {
	imgs := digits(t, 4096)
	var gap [2]float64
	for i, k := range []int{1, 5} {
		c := variantConfig(200)
		c.K = k
		_, r := trainFor(t, c, imgs, nil)
		gap[i] = r.dReal - r.dFake
		t.Logf("k=%d: mean D(real) %.3f, D(fake) %.3f (gap %.3f) over the last quarter; AUC %.3f", k, r.dReal, r.dFake, gap[i], r.auc)
	}
	if !(gap[1] > gap[0]+0.05) {
		t.Errorf("D(real) - D(fake): %.3f with k=1, %.3f with k=5; want k=5's larger by 0.05", gap[0], gap[1])
	}
}

// ownMeansMatch compares, for each of the k labels, the mean image of the
// trainer's samples for that label with the mean real image of each label
// (labels: one per image of imgs), both centred on their mean over the
// labels, since the digits' means share one blob of ink. It returns how
// many labels best match their own real mean, and the mean correlation
// with it.
func ownMeansMatch(t *testing.T, tr *Trainer, imgs []float32, labels []uint8, k int) (int, float64) {
	t.Helper()
	center := func(means [][]float64) {
		all := make([]float64, ImageSize)
		for _, m := range means {
			for i, v := range m {
				all[i] += v / float64(len(means))
			}
		}
		for _, m := range means {
			for i := range m {
				m[i] -= all[i]
			}
		}
	}
	realMeans := make([][]float64, k)
	for l := range realMeans {
		var rows []float32
		for i, y := range labels {
			if int(y) == l {
				rows = append(rows, imgs[i*ImageSize:(i+1)*ImageSize]...)
			}
		}
		realMeans[l] = meanImage(rows)
	}
	genMeans := make([][]float64, k)
	for l := range genMeans {
		g, err := generateLabel(tr, 256, 5, uint32(l), l)
		if err != nil {
			t.Fatal(err)
		}
		genMeans[l] = meanImage(g)
	}
	center(realMeans)
	center(genMeans)
	matched := 0
	var diag float64
	for l := 0; l < k; l++ {
		best, bestC := -1, math.Inf(-1)
		line := ""
		for j := range k {
			cc := testtools.Correlation(genMeans[l], realMeans[j])
			line += fmt.Sprintf(" %5.2f", cc)
			if cc > bestC {
				best, bestC = j, cc
			}
		}
		diag += testtools.Correlation(genMeans[l], realMeans[l]) / float64(k)
		if best == l {
			matched++
		}
		t.Logf("label %d: correlations with the centred real means of each label%s -> best %d", l, line, best)
	}
	return matched, diag
}

// generateLabel draws rows samples of class label (or -1 for every class
// in turn) from tr's generator, as sampling during a run does.
func generateLabel(tr *Trainer, rows int, seed uint64, call uint32, label int) ([]float32, error) {
	return generateLabeled(context.Background(), tr.be, tr.sampler(), &tr.Cfg, rows, seed, call, label)
}
