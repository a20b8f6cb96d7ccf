package eval

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Gaussian is a multivariate normal fitted to a set of feature vectors.
type Gaussian struct {
	Mean []float64     // (d)
	Cov  *mat.SymDense // (d, d), unbiased (divides by n-1)
	N    int           // number of vectors it was fitted to
}

// FitGaussian fits a Gaussian to the rows of x: the sample mean and the
// unbiased sample covariance (divisor n-1, as numpy.cov and the reference
// FID implementations use). x is (n, d) with n >= 2.
func FitGaussian(x []float64, n, d int) (Gaussian, error) {
	if n < 2 || d <= 0 {
		return Gaussian{}, fmt.Errorf("fitting a Gaussian: shape (%d, %d): need at least 2 rows and 1 column", n, d)
	}
	if len(x) != n*d {
		return Gaussian{}, fmt.Errorf("fitting a Gaussian: %d values, want %d*%d = %d", len(x), n, d, n*d)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Gaussian{}, fmt.Errorf("fitting a Gaussian: row %d column %d is %v", i, j, v)
			}
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	c := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			c[i*d+j] = x[i*d+j] - mean[j]
		}
	}
	xc := mat.NewDense(n, d, c)
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), xc.T())
	return Gaussian{Mean: mean, Cov: cov, N: n}, nil
}

// FrechetDistance is the squared Frechet (2-Wasserstein) distance between
// two Gaussians (Dowson and Landau 1982; Heusel et al. 2017's FID):
//
//	||mu1 - mu2||² + Tr(S1 + S2 - 2 (S1 S2)^{1/2})
//
// The trace of the matrix square root is computed stably from symmetric
// matrices only: Tr((S1 S2)^{1/2}) = Tr((R S2 R)^{1/2}) with R = S1^{1/2},
// since S1 S2 = R (R S2 R) R⁻¹ is similar to the symmetric positive
// semi-definite R S2 R. Both square roots come from symmetric
// eigendecompositions, with the round-off negative eigenvalues clamped to 0.
func FrechetDistance(a, b Gaussian) (float64, error) {
	d := len(a.Mean)
	if d == 0 || len(b.Mean) != d || a.Cov == nil || b.Cov == nil || a.Cov.SymmetricDim() != d || b.Cov.SymmetricDim() != d {
		return 0, fmt.Errorf("Frechet distance: mismatched or empty Gaussians (dimensions %d and %d)", len(a.Mean), len(b.Mean))
	}
	r, err := symSqrt(a.Cov)
	if err != nil {
		return 0, fmt.Errorf("Frechet distance: square root of the first covariance: %w", err)
	}
	return frechetRooted(a, r, b)
}

// frechetRooted is FrechetDistance given r = sqrt(a.Cov), so that a caller
// comparing many Gaussians with the same a computes the root once.
func frechetRooted(a Gaussian, r *mat.SymDense, b Gaussian) (float64, error) {
	d := len(a.Mean)
	diff := 0.0
	for i := range a.Mean {
		t := a.Mean[i] - b.Mean[i]
		diff += t * t
	}
	var t1, t2 mat.Dense
	t1.Mul(r, b.Cov)
	t2.Mul(&t1, r)
	m := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			m.SetSym(i, j, 0.5*(t2.At(i, j)+t2.At(j, i)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(m, false) {
		return 0, fmt.Errorf("Frechet distance: eigendecomposition of sqrt(S1)·S2·sqrt(S1) did not converge")
	}
	trSqrt := 0.0
	for _, v := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(v, 0))
	}
	fd := diff + mat.Trace(a.Cov) + mat.Trace(b.Cov) - 2*trSqrt
	// Round-off can leave a tiny negative value for identical inputs.
	return max(fd, 0), nil
}

// symSqrt is the principal square root of a symmetric positive
// semi-definite matrix, from its eigendecomposition V diag(λ) Vᵀ with
// negative λ (round-off) clamped to 0.
func symSqrt(s *mat.SymDense) (*mat.SymDense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	n := len(vals)
	// R = V diag(sqrt λ) Vᵀ = W Wᵀ with W = V diag(λ^¼): symmetric by construction.
	w := mat.NewDense(n, n, nil)
	for j, l := range vals {
		q := math.Sqrt(math.Sqrt(max(l, 0)))
		for i := 0; i < n; i++ {
			w.Set(i, j, v.At(i, j)*q)
		}
	}
	out := mat.NewSymDense(n, nil)
	out.SymOuterK(1, w)
	return out, nil
}

// InfinityPoints is the number of subset sizes FrechetInfinity fits.
const InfinityPoints = 8

// FrechetInfinity estimates the Frechet distance between the population
// that the rows of x (n, d) come from and ref, as if x had infinitely many
// rows. The distance of n samples is biased upwards by a term that falls
// as 1/n (Chong and Forsyth 2020, "Effectively Unbiased FID and Inception
// Score and where to find them", who call the estimate FID∞): the distance
// is computed for InfinityPoints nested random subsets of sizes spread
// evenly from n/2 to n, a + b/N is fitted to them by least squares, and a
// is returned. Subsets are drawn with a fixed seed, so the estimate is
// deterministic. It lets figures from different sample counts (10,000
// samples, 1,000 held-out digits) be compared.
func FrechetInfinity(x []float64, n, d int, ref Gaussian) (float64, error) {
	if d <= 0 || n < 0 || len(x) != n*d {
		return 0, fmt.Errorf("Frechet distance at infinity: %d values for shape (%d, %d)", len(x), n, d)
	}
	if n < 2*InfinityPoints {
		return 0, fmt.Errorf("Frechet distance at infinity: %d rows, need at least %d", n, 2*InfinityPoints)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("Frechet distance at infinity: row %d column %d is %v", i/d, i%d, v)
		}
	}
	perm := rand.New(rand.NewPCG(0x46494421, uint64(n))).Perm(n)
	sizes := make([]int, InfinityPoints)
	for i := range sizes {
		sizes[i] = n/2 + (n-n/2)*i/(InfinityPoints-1) // n/2 ... n
	}
	if ref.Cov == nil || len(ref.Mean) != d || ref.Cov.SymmetricDim() != d {
		return 0, fmt.Errorf("Frechet distance at infinity: the reference Gaussian has dimension %d, the rows %d", len(ref.Mean), d)
	}
	// The distance is symmetric: with the reference first, its root is
	// computed once for all the subsets.
	root, err := symSqrt(ref.Cov)
	if err != nil {
		return 0, fmt.Errorf("Frechet distance at infinity: square root of the reference covariance: %w", err)
	}
	var sx, sy, sxx, sxy float64
	for _, g := range nestedGaussians(x, d, perm, sizes) {
		fd, err := frechetRooted(ref, root, g)
		if err != nil {
			return 0, fmt.Errorf("Frechet distance at infinity: %w", err)
		}
		u := 1 / float64(g.N)
		sx, sy, sxx, sxy = sx+u, sy+fd, sxx+u*u, sxy+u*fd
	}
	k := float64(InfinityPoints)
	slope := (k*sxy - sx*sy) / (k*sxx - sx*sx)
	return (sy - slope*sx) / k, nil
}

// nestedGaussians fits a Gaussian (as FitGaussian does) to the rows
// perm[:size] of x (rows of width d) for each of the increasing sizes
// (each at least 2). The subsets are nested, so the sums behind the mean
// and covariance are accumulated once over the largest subset rather
// than recomputed for each:
//
//	mean = Σx / N,  cov = (Σ x xᵀ - N mean meanᵀ) / (N-1)
//
// in float64, whose 53-bit sums keep the cancellation negligible for
// classifier features of order one and tens of thousands of rows.
func nestedGaussians(x []float64, d int, perm, sizes []int) []Gaussian {
	sum := make([]float64, d)
	outer := mat.NewSymDense(d, nil)
	var out []Gaussian
	next := 0
	for _, size := range sizes {
		if size > next {
			rows := mat.NewDense(size-next, d, nil)
			for k := next; k < size; k++ {
				row := x[perm[k]*d : (perm[k]+1)*d]
				rows.SetRow(k-next, row)
				for j, v := range row {
					sum[j] += v
				}
			}
			outer.SymRankK(outer, 1, rows.T())
			next = size
		}
		mean := make([]float64, d)
		for j := range mean {
			mean[j] = sum[j] / float64(size)
		}
		cov := mat.NewSymDense(d, nil)
		cov.SymRankOne(outer, -float64(size), mat.NewVecDense(d, mean))
		cov.ScaleSym(1/float64(size-1), cov)
		out = append(out, Gaussian{Mean: mean, Cov: cov, N: size})
	}
	return out
}
