package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Samples of a known Gaussian against the exact reference Gaussian: the
// true distance is known in closed form, the plain estimate on n samples
// sits above it by a bias that shrinks with n, and the extrapolation
// removes that bias on average (it adds noise: one estimate extrapolates
// from sizes n/2..n to infinity).
func TestFrechetInfinityRemovesBias(t *testing.T) {
	const d, n = 32, 1500
	// reference: N(0, I); samples: N(mu, diag(s²)) with known distance
	// ||mu||² + Σ (s_j - 1)²  (commuting covariances)
	ref := Gaussian{Mean: make([]float64, d), Cov: mat.NewSymDense(d, nil), N: math.MaxInt32}
	mu, s := make([]float64, d), make([]float64, d)
	truth := 0.0
	for j := 0; j < d; j++ {
		ref.Cov.SetSym(j, j, 1)
		mu[j] = 0.1 * float64(j%4)
		s[j] = 0.8 + 0.02*float64(j)
		truth += mu[j]*mu[j] + (s[j]-1)*(s[j]-1)
	}
	var plainErr, infErr float64
	const trials = 8
	for trial := range trials {
		r := rand.New(rand.NewPCG(uint64(trial), 99))
		x := make([]float64, n*d)
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				x[i*d+j] = mu[j] + s[j]*r.NormFloat64()
			}
		}
		g, err := FitGaussian(x, n, d)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := FrechetDistance(g, ref)
		if err != nil {
			t.Fatal(err)
		}
		inf, err := FrechetInfinity(x, n, d, ref)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("trial %d: truth %.4f, plain %.4f, extrapolated %.4f", trial, truth, plain, inf)
		plainErr += (plain - truth) / trials
		infErr += (inf - truth) / trials
	}
	if plainErr <= 0 {
		t.Fatalf("the plain estimate is not biased upwards here (mean error %.4f): the test proves nothing", plainErr)
	}
	if math.Abs(infErr) > plainErr/3 {
		t.Errorf("mean error of the extrapolation %.4f, of the plain estimate %.4f: want the extrapolation to remove at least two thirds of the bias", infErr, plainErr)
	}
}

func TestFrechetInfinityBadInput(t *testing.T) {
	ref := Gaussian{Mean: []float64{0}, Cov: mat.NewSymDense(1, []float64{1})}
	if _, err := FrechetInfinity(make([]float64, 10), 10, 1, ref); err == nil {
		t.Error("10 rows: no error, want one (too few rows)")
	}
	if _, err := FrechetInfinity(make([]float64, 40), 30, 1, ref); err == nil {
		t.Error("40 values for shape (30, 1): no error")
	}
}

// The incrementally accumulated Gaussians of nested subsets are those
// FitGaussian fits to each subset from scratch.
func TestNestedGaussiansMatchFitGaussian(t *testing.T) {
	const n, d = 300, 7
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = 5 + 2*r.NormFloat64() // an offset mean, as features have
	}
	perm := r.Perm(n)
	sizes := []int{2, 40, 40, 151, 300}
	gs := nestedGaussians(x, d, perm, sizes)
	if len(gs) != len(sizes) {
		t.Fatalf("%d Gaussians for %d sizes", len(gs), len(sizes))
	}
	for i, size := range sizes {
		sub := make([]float64, 0, size*d)
		for _, row := range perm[:size] {
			sub = append(sub, x[row*d:(row+1)*d]...)
		}
		want, err := FitGaussian(sub, size, d)
		if err != nil {
			t.Fatal(err)
		}
		got := gs[i]
		if got.N != size {
			t.Errorf("size %d: N %d", size, got.N)
		}
		for j := 0; j < d; j++ {
			if math.Abs(got.Mean[j]-want.Mean[j]) > 1e-12*math.Abs(want.Mean[j]) {
				t.Errorf("size %d mean[%d]: %v, FitGaussian %v", size, j, got.Mean[j], want.Mean[j])
			}
			for k := 0; k < d; k++ {
				if g, w := got.Cov.At(j, k), want.Cov.At(j, k); math.Abs(g-w) > 1e-9*(1+math.Abs(w)) {
					t.Errorf("size %d cov[%d][%d]: %v, FitGaussian %v", size, j, k, g, w)
				}
			}
		}
	}
}
