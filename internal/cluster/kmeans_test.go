package cluster

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gan-train/internal/data"
)

// blobs returns k tight groups of per points each in dim dimensions, the
// group g centred at 10*g on every coordinate, with the true group of
// each point.
func blobs(k, per, dim int) ([]float32, []int) {
	x := make([]float32, 0, k*per*dim)
	var truth []int
	for i := range k * per {
		g := (i * 7) % k // interleaved, so that order gives nothing away
		for j := range dim {
			x = append(x, float32(10*g)+float32((i*31+j*17)%11)/20-0.25)
		}
		truth = append(truth, g)
	}
	return x, truth
}

func TestKMeansFindsSeparatedGroups(t *testing.T) {
	const k, per, dim = 5, 40, 3
	x, truth := blobs(k, per, dim)
	r, err := KMeans(context.Background(), x, k*per, dim, k, 7, 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	// the partition must be the true one up to renaming the clusters
	name := map[int]int{}
	for i, a := range r.Assign {
		if g, ok := name[a]; ok && g != truth[i] {
			t.Fatalf("point %d of group %d shares cluster %d with group %d", i, truth[i], a, g)
		}
		name[a] = truth[i]
	}
	if len(name) != k {
		t.Fatalf("%d clusters used, want %d", len(name), k)
	}
	for c, s := range r.Sizes {
		if s != per {
			t.Errorf("cluster %d has %d points, want %d", c, s, per)
		}
	}
	// each centre is its group's mean: 10*g plus the mean offset
	for c := range k {
		g := name[c]
		for j := range dim {
			var sum float64
			for i := range k * per {
				if truth[i] == g {
					sum += float64(x[i*dim+j])
				}
			}
			if got, want := float64(r.Centres[c*dim+j]), sum/per; math.Abs(got-want) > 1e-4 {
				t.Errorf("centre %d[%d] = %v, want the mean %v", c, j, got, want)
			}
		}
	}
}

func TestKMeansIsDeterministicForAnyWorkers(t *testing.T) {
	d, err := data.Embedded("test")
	if err != nil {
		t.Fatal(err)
	}
	x, err := Pool2(d.Pixels, d.N, data.ImageSide, 1.0/255)
	if err != nil {
		t.Fatal(err)
	}
	dim := len(x) / d.N
	ref, err := KMeans(context.Background(), x, d.N, dim, 20, 3, 30, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 5} {
		r, err := KMeans(context.Background(), x, d.N, dim, 20, 3, 30, w)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Assign, ref.Assign) || !slices.Equal(r.Centres, ref.Centres) || r.Iterations != ref.Iterations {
			t.Errorf("%d workers: a different partition from one worker's", w)
		}
	}
	other, err := KMeans(context.Background(), x, d.N, dim, 20, 4, 30, 1)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Assign, ref.Assign) {
		t.Error("seeds 3 and 4 gave the same partition: the seed is not used")
	}
}

// TestKMeansGroupsDigits checks that clusters of the embedded digits,
// which it never sees the labels of, are mostly of one digit each: k-means
// on MNIST pixels is known to reach a purity (the share of images in their
// cluster's most common class) near 0.6 with ten clusters (e.g. Xie et al.
// 2016, DEC, report 53% clustering accuracy for k-means on MNIST), and
// more clusters are purer.
func TestKMeansGroupsDigits(t *testing.T) {
	d, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	x, err := Pool2(d.Pixels, d.N, data.ImageSide, 1.0/255)
	if err != nil {
		t.Fatal(err)
	}
	purity := func(k int) float64 {
		r, err := KMeans(context.Background(), x, d.N, len(x)/d.N, k, 1, 100, 2)
		if err != nil {
			t.Fatal(err)
		}
		count := make([][data.Classes]int, k)
		for i, a := range r.Assign {
			count[a][d.Labels[i]]++
		}
		major := 0
		for _, c := range count {
			major += slices.Max(c[:])
		}
		sum := 0
		for _, s := range r.Sizes {
			sum += s
		}
		if sum != d.N {
			t.Fatalf("k=%d: sizes add up to %d, want %d", k, sum, d.N)
		}
		return float64(major) / float64(d.N)
	}
	p10, p50 := purity(10), purity(50)
	t.Logf("purity: 10 clusters %.3f, 50 clusters %.3f", p10, p50)
	if p10 < 0.5 {
		t.Errorf("10 clusters: purity %.3f, want at least 0.5", p10)
	}
	if p50 < 0.75 || p50 <= p10 {
		t.Errorf("50 clusters: purity %.3f, want at least 0.75 and above ten clusters' %.3f", p50, p10)
	}
}

func TestKMeansFillsEmptyClusters(t *testing.T) {
	// Identical points: every start puts two centres on one spot, the
	// lower-numbered one takes every point, and the second cluster is
	// refilled with a point each time it empties. (Without the refill the
	// result has an empty cluster and KMeans fails.)
	r, err := KMeans(context.Background(), []float32{1, 1, 1}, 3, 1, 2, 1, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sizes[0] == 0 || r.Sizes[1] == 0 || r.Sizes[0]+r.Sizes[1] != 3 {
		t.Errorf("identical points: sizes %v, want both clusters used", r.Sizes)
	}
}

func TestKMeansRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	nan := []float32{0, float32(math.NaN()), 1, 2}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		name       string
		ctx        context.Context
		x          []float32
		n, dim, k  int
		iters      int
		wantInText string
	}{
		{"no rows", ctx, nil, 0, 2, 1, 10, "0 rows"},
		{"short data", ctx, []float32{1, 2, 3}, 2, 2, 1, 10, "3 values for 2 rows"},
		{"zero clusters", ctx, []float32{1, 2}, 2, 1, 0, 10, "0 clusters"},
		{"more clusters than rows", ctx, []float32{1, 2}, 2, 1, 3, 10, "3 clusters of 2 rows"},
		{"no iterations", ctx, []float32{1, 2}, 2, 1, 1, 0, "0 iterations"},
		{"not finite", ctx, nan, 2, 2, 1, 10, "value 1 (row 0) is NaN"},
		{"cancelled", cancelled, []float32{1, 2}, 2, 1, 1, 10, "stopped after 0 iterations"},
	} {
		_, err := KMeans(c.ctx, c.x, c.n, c.dim, c.k, 1, c.iters, 1)
		if err == nil || !strings.Contains(err.Error(), c.wantInText) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.wantInText)
		}
	}
}

func TestPool2(t *testing.T) {
	// one 4x4 image of bytes: each 2x2 block's mean, scaled
	x := []uint8{
		0, 4, 8, 8,
		4, 0, 8, 8,
		255, 255, 1, 3,
		255, 255, 5, 7,
	}
	got, err := Pool2(x, 1, 4, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 4, 127.5, 2}
	if !slices.Equal(got, want) {
		t.Errorf("Pool2 = %v, want %v", got, want)
	}
	if _, err := Pool2(x[:9], 1, 3, 1); !errors.Is(err, ErrDim) {
		t.Errorf("odd side: error %v, want ErrDim", err)
	}
	if _, err := Pool2(x, 2, 4, 1); err == nil {
		t.Error("16 bytes taken for two 4x4 images")
	}
}
