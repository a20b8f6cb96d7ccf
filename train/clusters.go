package train

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"

	"gan-train/internal/cluster"
	"gan-train/internal/data"
)

// MaxClusters bounds Config.Clusters: labels are stored as bytes.
const MaxClusters = 255

// ClusterIters is the most Lloyd iterations the clustering of a
// self-conditioned GAN runs (the embedded digits settle in about 50).
const ClusterIters = 100

// labelled reports whether G and D take one-hot labels beside their
// inputs: the classes of a conditional GAN or the clusters of a
// self-conditioned one.
func (c *Config) labelled() bool { return c.labelWidth() > 0 }

// labelKind names what the labels of G's input are.
func (c *Config) labelKind() string {
	if !c.Conditional && c.Clusters > 0 { // as labelWidth decides
		return "cluster"
	}
	return "class"
}

// sampleLabels returns the labels of samples first..first+n-1: for a
// conditional GAN they cycle through the classes (sample i has class
// i%Classes); for a self-conditioned one they follow the clusters' sizes
// in the training data: sample i takes the cluster that holds the
// quantile frac(1/2 + i/phi) of the data (phi the golden ratio, clusters
// in order). That sequence spreads evenly over
// [0,1) in every prefix (Weyl; Kuipers and Niederreiter 1974), so the
// first m samples of any run draw each cluster in close to its share of
// the data, and neighbouring samples come from far-apart clusters.
func (c *Config) sampleLabels(n, first int) []float32 {
	y := make([]float32, n)
	if c.labelKind() == "class" {
		for i := range y {
			y[i] = float32((first + i) % Classes)
		}
		return y
	}
	cum := make([]int, len(c.ClusterSizes)) // images in clusters 0..k
	sum := 0
	for k, s := range c.ClusterSizes {
		sum += s
		cum[k] = sum
	}
	const invPhi = 0.6180339887498949
	for i := range y {
		_, u := math.Modf(0.5 + float64(first+i)*invPhi)
		q := int(u * float64(sum)) // the quantile's image, in [0, sum)
		k, _ := slices.BinarySearch(cum, q+1)
		y[i] = float32(k)
	}
	return y
}

// clusterData groups the n training images for a self-conditioned GAN
// (c.Clusters > 0): k-means (internal/cluster) on the images halved to
// 14x14, which is four times cheaper than 28x28 and groups digits as
// well, seeded by the run's seed. It returns each image's cluster and
// records the clusters' sizes in c.ClusterSizes; a configuration without
// clusters returns labels unchanged. The clustering cannot be
// interrupted: it takes about a second and a half for the 9,000 embedded
// digits and 50 clusters on one core of the development machine, and
// holds (n, 196) floats while it runs. pixels are (n, ImageSize) floats in
// [0,1] or bytes (v/255).
func clusterData[T float32 | uint8](c *Config, pixels []T, labels []uint8, scale float32) ([]uint8, error) {
	if c.Clusters == 0 {
		return labels, nil
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := len(pixels) / ImageSize
	if n < c.Clusters {
		return nil, fmt.Errorf("clusters %d: the dataset has only %d images", c.Clusters, n)
	}
	x, err := cluster.Pool2(pixels[:n*ImageSize], n, data.ImageSide, scale)
	if err != nil {
		return nil, fmt.Errorf("clustering the training images: %w", err)
	}
	r, err := cluster.KMeans(context.Background(), x, n, len(x)/n, c.Clusters, c.Seed, ClusterIters, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("clustering the training images: %w", err)
	}
	out := make([]uint8, n)
	for i, a := range r.Assign {
		out[i] = uint8(a)
	}
	c.ClusterSizes = r.Sizes
	return out, nil
}

// checkClusterSizes checks the clusters a checkpoint's configuration
// records: a cluster count Validate accepts, on an unconditional GAN, and
// one positive size per cluster, as sampling needs them.
func checkClusterSizes(c *Config) error {
	switch {
	case c.Clusters < 0 || c.Clusters == 1 || c.Clusters > MaxClusters:
		return fmt.Errorf("clusters %d: want 0 (off) or 2 to %d", c.Clusters, MaxClusters)
	case c.Clusters > 0 && c.Conditional:
		return fmt.Errorf("clusters %d on a conditional GAN", c.Clusters)
	case c.Clusters == 0 && len(c.ClusterSizes) > 0:
		return fmt.Errorf("%d cluster sizes without clusters", len(c.ClusterSizes))
	case c.Clusters == 0:
		return nil
	}
	if len(c.ClusterSizes) != c.Clusters {
		return fmt.Errorf("%d clusters but %d cluster sizes", c.Clusters, len(c.ClusterSizes))
	}
	for k, s := range c.ClusterSizes {
		if s <= 0 || s > math.MaxInt32 {
			return fmt.Errorf("cluster %d has size %d, want 1 to %d", k, s, math.MaxInt32)
		}
	}
	return nil
}
