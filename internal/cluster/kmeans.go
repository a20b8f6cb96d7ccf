// Package cluster groups unlabelled images by k-means, so that an
// unconditional GAN can condition on clusters of its own training data
// instead of class labels (self-conditioning: Liu et al. 2020, "Diverse
// Image Generation via Self-Conditioned GANs"; Sage et al. 2018 cluster
// their logos the same way).
package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Result is a k-means partition of n rows into k clusters.
type Result struct {
	Assign     []int     // (n) cluster of each row, in [0, k)
	Sizes      []int     // (k) rows in each cluster, none empty
	Centres    []float32 // (k, dim) mean of each cluster's rows
	Iterations int       // Lloyd iterations run
	Inertia    float64   // sum over rows of the squared distance to their centre at the last assignment
}

// KMeans partitions the n rows of x (n, dim) into k clusters: k-means++
// seeding (Arthur and Vassilvitskii 2007) from seed, then Lloyd's
// iterations until no row changes cluster or maxIter iterations have run.
// A cluster left empty is given the row farthest from its own centre. On
// one build the result depends only on x, k, seed and maxIter (not on
// workers, the number of goroutines that assign rows), so a run that
// recomputes it gets the same partition; a compiler that fuses the dot
// products' multiply-adds (GOAMD64=v3, arm64) rounds differently and may
// move a row that sits on a boundary. ctx is checked between iterations.
func KMeans(ctx context.Context, x []float32, n, dim, k int, seed uint64, maxIter, workers int) (*Result, error) {
	switch {
	case n <= 0 || dim <= 0:
		return nil, fmt.Errorf("k-means: %d rows of %d values: want at least one of each", n, dim)
	case len(x) != n*dim:
		return nil, fmt.Errorf("k-means: %d values for %d rows of %d", len(x), n, dim)
	case k < 1 || k > n:
		return nil, fmt.Errorf("k-means: %d clusters of %d rows: want 1 to %d", k, n, n)
	case maxIter < 1:
		return nil, fmt.Errorf("k-means: %d iterations: want at least 1", maxIter)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("k-means: value %d (row %d) is %v", i, i/dim, v)
		}
	}
	km := &kmeans{x: x, n: n, dim: dim, k: k, workers: max(workers, 1)}
	km.norms = make([]float32, n)
	for i := range n {
		km.norms[i] = dot(km.row(i), km.row(i))
	}
	km.seedCentres(seed)
	r := &Result{Assign: make([]int, n), Sizes: make([]int, k)}
	for i := range r.Assign {
		r.Assign[i] = -1
	}
	dist := make([]float32, n)
	for r.Iterations < maxIter {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("k-means stopped after %d iterations: %w", r.Iterations, err)
		}
		r.Iterations++
		if changed := km.assign(r.Assign, dist); changed == 0 {
			break
		}
		km.update(r.Assign, dist)
	}
	r.Centres = km.centres
	r.Inertia = 0
	for i, a := range r.Assign {
		r.Sizes[a]++
		r.Inertia += float64(dist[i])
	}
	for c, s := range r.Sizes {
		if s == 0 {
			return nil, fmt.Errorf("k-means: cluster %d is empty (%d rows hold fewer than %d distinct points)", c, n, k)
		}
	}
	return r, nil
}

type kmeans struct {
	x          []float32
	n, dim, k  int
	workers    int
	norms      []float32 // (n) squared norm of each row
	centres    []float32 // (k, dim)
	centreNorm []float32 // (k)
}

func (km *kmeans) row(i int) []float32    { return km.x[i*km.dim : (i+1)*km.dim] }
func (km *kmeans) centre(c int) []float32 { return km.centres[c*km.dim : (c+1)*km.dim] }

// seedCentres picks the k starting centres by k-means++: the first row
// uniformly, each next one with probability proportional to its squared
// distance to the nearest centre so far.
func (km *kmeans) seedCentres(seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 0x6b6d65616e73)) // "kmeans"
	km.centres = make([]float32, km.k*km.dim)
	near := make([]float64, km.n)
	first := rnd.IntN(km.n)
	copy(km.centre(0), km.row(first))
	for i := range km.n {
		near[i] = sqDist(km.row(i), km.centre(0))
	}
	for c := 1; c < km.k; c++ {
		total := 0.0
		for _, d := range near {
			total += d
		}
		pick := 0
		if total > 0 {
			u := rnd.Float64() * total
			for pick = 0; pick < km.n-1; pick++ {
				if u -= near[pick]; u < 0 {
					break
				}
			}
		} else {
			pick = rnd.IntN(km.n) // every row sits on a centre
		}
		copy(km.centre(c), km.row(pick))
		for i := range km.n {
			near[i] = min(near[i], sqDist(km.row(i), km.centre(c)))
		}
	}
	km.centreNorm = make([]float32, km.k)
	km.refreshNorms()
}

func (km *kmeans) refreshNorms() {
	for c := range km.k {
		km.centreNorm[c] = dot(km.centre(c), km.centre(c))
	}
}

// assign moves every row to its nearest centre (the lowest index on a
// tie), writes its squared distance to dist, and returns how many rows
// changed cluster. Rows are split among the workers; each row's result
// depends on that row alone.
func (km *kmeans) assign(assign []int, dist []float32) int {
	per := (km.n + km.workers - 1) / km.workers
	changed := make([]int, km.workers)
	var wg sync.WaitGroup
	for w := range km.workers {
		lo, hi := w*per, min((w+1)*per, km.n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				best, bestD := 0, float32(math.Inf(1))
				xi := km.row(i)
				for c := range km.k {
					d := km.norms[i] - 2*dot(xi, km.centre(c)) + km.centreNorm[c]
					if d < bestD {
						best, bestD = c, d
					}
				}
				if assign[i] != best {
					changed[w]++
					assign[i] = best
				}
				dist[i] = max(bestD, 0)
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range changed {
		total += c
	}
	return total
}

// update moves each centre to the mean of its rows, in float64 and in row
// order; an empty cluster takes the row farthest from its centre, which
// then leaves its old cluster.
func (km *kmeans) update(assign []int, dist []float32) {
	sums := make([]float64, km.k*km.dim)
	counts := make([]int, km.k)
	for i, a := range assign {
		counts[a]++
		s := sums[a*km.dim : (a+1)*km.dim]
		for j, v := range km.row(i) {
			s[j] += float64(v)
		}
	}
	for c := range km.k {
		if counts[c] > 0 {
			continue
		}
		far := -1 // some cluster has two rows or more, since k <= n
		for i := range dist {
			if counts[assign[i]] > 1 && (far < 0 || dist[i] > dist[far]) {
				far = i
			}
		}
		old := assign[far]
		counts[old]--
		s := sums[old*km.dim : (old+1)*km.dim]
		for j, v := range km.row(far) {
			s[j] -= float64(v)
			sums[c*km.dim+j] = float64(v)
		}
		counts[c], assign[far], dist[far] = 1, c, 0
	}
	for c := range km.k {
		ctr := km.centre(c)
		for j := range ctr {
			ctr[j] = float32(sums[c*km.dim+j] / float64(counts[c]))
		}
	}
	km.refreshNorms()
}

// ErrDim is returned by Pool2 for images whose side is not even.
var ErrDim = errors.New("image side is not even")

// Pool2 halves the side of n square images of side s (n, s*s) by
// averaging 2x2 blocks, into (n, (s/2)*(s/2)) float32 values times scale
// (1 for float pixels, 1/255 for bytes).
func Pool2[T float32 | uint8](x []T, n, s int, scale float32) ([]float32, error) {
	if s <= 0 || s%2 != 0 {
		return nil, fmt.Errorf("pooling %dx%d images: %w", s, s, ErrDim)
	}
	if n < 0 || len(x) != n*s*s {
		return nil, fmt.Errorf("pooling: %d values for %d images of %dx%d", len(x), n, s, s)
	}
	h := s / 2
	out := make([]float32, n*h*h)
	for i := range n {
		img, o := x[i*s*s:(i+1)*s*s], out[i*h*h:(i+1)*h*h]
		for r := range h {
			for c := range h {
				a, b := float32(img[2*r*s+2*c]), float32(img[2*r*s+2*c+1])
				d, e := float32(img[(2*r+1)*s+2*c]), float32(img[(2*r+1)*s+2*c+1])
				o[r*h+c] = (a + b + d + e) * (scale / 4)
			}
		}
	}
	return out, nil
}

// dot is the float32 inner product of a and b (same length), summed in
// four interleaved partial sums.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sqDist(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		d := float64(v - b[i])
		s += d * d
	}
	return s
}
