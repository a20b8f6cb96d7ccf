//go:build learn

package train

import (
	"fmt"
	"math"
	"testing"
)

// meanPairwiseDistance is the mean Euclidean distance between the rows of
// imgs (n, ImageSize): about 0 for a generator collapsed onto one image.
func meanPairwiseDistance(imgs []float32) float64 {
	n := len(imgs) / ImageSize
	var s float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			var d float64
			for p := 0; p < ImageSize; p++ {
				v := float64(imgs[i*ImageSize+p]) - float64(imgs[j*ImageSize+p])
				d += v * v
			}
			s += math.Sqrt(d)
		}
	}
	return s / float64(n*(n-1)/2)
}

// nearestLabels labels each sample with the class of its nearest real
// image (1-nearest-neighbour in pixel space), a classifier that needs no
// training; it returns how many samples fall in each class.
func nearestLabels(samples, real []float32, labels []uint8) [Classes]int {
	var hist [Classes]int
	nr := len(real) / ImageSize
	for s := 0; s < len(samples)/ImageSize; s++ {
		x := samples[s*ImageSize : (s+1)*ImageSize]
		best, bestD := 0, math.Inf(1)
		for r := 0; r < nr; r++ {
			y := real[r*ImageSize : (r+1)*ImageSize]
			var d float32
			for p, v := range x {
				e := v - y[p]
				d += e * e
			}
			if float64(d) < bestD {
				best, bestD = r, float64(d)
			}
		}
		hist[labels[best]]++
	}
	return hist
}

// collapseGap feeds the trained D two batches of B real rows, each its own
// group as in training: B different images, and B copies of one image
// (what a collapsed generator gives), for several images. It returns the
// mean logit of the varied batches minus that of the collapsed ones: how
// much D penalises a batch for being collapsed. A row-wise D gives each
// copy its image's own logit, so its gap is only how those few images
// differ from the batch mean (0.68 for the plain run below).
func collapseGap(t *testing.T, tr *Trainer, imgs []float32) float64 {
	t.Helper()
	B, be := tr.Cfg.Batch, tr.be
	const trials = 8
	var gap float64
	for k := 0; k < trials; k++ {
		x := make([]float32, 2*B*ImageSize)
		copy(x, imgs[k*B*ImageSize:(k+1)*B*ImageSize])
		for r := 0; r < B; r++ {
			copy(x[(B+r)*ImageSize:(B+r+1)*ImageSize], x[(k%B)*ImageSize:(k%B+1)*ImageSize])
		}
		if err := be.Upload(tr.xd, x); err != nil {
			t.Fatal(err)
		}
		logits := make([]float32, 2*B)
		if err := be.Download(logits, tr.D.ForwardDropout(tr.xd, 2*B, 1, streamDropout, tr.loop.Noise)); err != nil {
			t.Fatal(err)
		}
		var varied, collapsed float64
		for r := 0; r < B; r++ {
			varied += float64(logits[r]) / float64(B)
			collapsed += float64(logits[B+r]) / float64(B)
		}
		gap += (varied - collapsed) / trials
	}
	return gap
}

// Minibatch discrimination (Salimans et al. 2016): D must still separate
// real from generated digits, it must have learned to penalise a collapsed
// batch (a batch of copies of one real digit scores lower than a batch of
// different real digits), and the generator's samples must be diverse:
// most digit classes represented (labelled by the nearest real digit), and
// a mean pairwise distance that is a fair part of the real digits' and
// higher than the collapsed baseline's: the same run without minibatch
// discrimination, which (at these settings, seed and 400 steps) collapses
// onto mostly ones: 1.70 against 10.06 for real digits, 3 classes.
func TestMinibatchDiscriminationLearns(t *testing.T) {
	imgs, labels := labeled(t, 2048)
	realDist := meanPairwiseDistance(imgs[:256*ImageSize])
	plainDist := math.NaN()
	for _, v := range []struct {
		name          string
		kernels, dims int
	}{{"plain", 0, 0}, {"minibatch 50x5", 50, 5}} {
		c := variantConfig(400)
		c.DMinibatchKernels, c.DMinibatchDims = v.kernels, v.dims
		tr, r := trainFor(t, c, imgs, nil)
		samples, err := tr.Generate(256, 13, 0)
		if err != nil {
			t.Fatal(err)
		}
		dist := meanPairwiseDistance(samples)
		hist := nearestLabels(samples, imgs, labels)
		classes := 0
		for _, n := range hist {
			if n >= 256/50 { // 2% of the samples, eval.ModeThreshold's rule
				classes++
			}
		}
		gap := collapseGap(t, tr, imgs)
		res := fmt.Sprintf("%s: AUC %.3f, mean D(real) %.3f D(fake) %.3f; mean-image error %.5f -> %.5f; sample pairwise distance %.2f (real %.2f); %d classes hold 2%% (nearest-digit histogram %v); varied-minus-collapsed batch logit %.3f",
			v.name, r.auc, r.dReal, r.dFake, r.errBefore, r.errAfter, dist, realDist, classes, hist, gap)
		t.Log(res)
		if v.kernels == 0 {
			plainDist = dist
			continue
		}
		if !(r.auc > 0.6) {
			t.Errorf("%s: D does not separate real from fake: AUC %.3f, want above 0.6", v.name, r.auc)
		}
		if !(r.errAfter < r.errBefore/2) {
			t.Errorf("%s: the mean generated image did not approach the data's: error %.5f -> %.5f, want half or less", v.name, r.errBefore, r.errAfter)
		}
		if !(gap > 5) {
			t.Errorf("%s: D scores a batch of copies of one digit %.3f below a batch of different digits (mean logit), want more than 5", v.name, gap)
		}
		if !(dist > 0.4*realDist) || !(dist > 1.5*plainDist) || classes < 8 {
			t.Errorf("%s: samples not diverse: mean pairwise distance %.2f (real digits %.2f, want above 0.4 times; without minibatch discrimination %.2f, want above 1.5 times), %d classes with 2%% of the samples (want 8 or more)",
				v.name, dist, realDist, plainDist, classes)
		}
	}
}
