//go:build learn

package train

import (
	"slices"
	"testing"
)

// A self-conditioned GAN reads no class labels, yet for most of its
// clusters it generates images whose mean is closest to that cluster's
// real mean (chance: one cluster in ten); the labels it trains on are the
// clusters of its images, one per image, in the proportions its
// configuration records.
func TestSelfConditionedGANLearnsItsClusters(t *testing.T) {
	imgs := digits(t, 4096)
	c := variantConfig(2000)
	c.Clusters = 10
	tr, r := trainFor(t, c, imgs, nil)
	labels := trainerLabels(t, tr)
	counts := make([]int, c.Clusters)
	for _, y := range labels {
		counts[y]++
	}
	if !slices.Equal(counts, tr.Cfg.ClusterSizes) {
		t.Fatalf("the images' clusters hold %v images, the configuration records %v", counts, tr.Cfg.ClusterSizes)
	}
	matched, diag := ownMeansMatch(t, tr, imgs, labels, c.Clusters)
	t.Logf("self-conditioned: %d of %d clusters best match their own (mean own-cluster correlation %.3f); AUC %.3f, mean-image error %.5f -> %.5f",
		matched, c.Clusters, diag, r.auc, r.errBefore, r.errAfter)
	if matched < 7 || diag < 0.4 {
		t.Errorf("%d of %d clusters generate images closest to their own real mean (mean correlation %.3f), want at least 7 (and 0.4)", matched, c.Clusters, diag)
	}
}

// trainerLabels downloads the label of each training image that tr uses.
func trainerLabels(t *testing.T, tr *Trainer) []uint8 {
	t.Helper()
	f := make([]float32, tr.n)
	if err := tr.be.Download(f, tr.labels); err != nil {
		t.Fatal(err)
	}
	out := make([]uint8, len(f))
	for i, v := range f {
		out[i] = uint8(v)
	}
	return out
}
