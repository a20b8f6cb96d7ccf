package eval

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func approx(got, want, tol float64) bool { return math.Abs(got-want) <= tol*(1+math.Abs(want)) }

func TestClassifierScore(t *testing.T) {
	const k = 10
	uniform := make([]float64, 5*k)
	for i := range uniform {
		uniform[i] = 1.0 / k
	}
	oneHot := make([]float64, 30*k) // 3 of each class
	for i := 0; i < 30; i++ {
		oneHot[i*k+i%k] = 1
	}
	collapsed := make([]float64, 7*k) // every sample the same class
	for i := 0; i < 7; i++ {
		collapsed[i*k+3] = 1
	}
	// Two classes, rows (1,0) and (0.5,0.5): p(y) = (0.75, 0.25);
	// KL1 = log(1/0.75), KL2 = 0.5 log(0.5/0.75) + 0.5 log(0.5/0.25).
	half := []float64{1, 0, 0.5, 0.5}
	wantHalf := math.Exp(0.5 * (math.Log(4.0/3) + 0.5*math.Log(2.0/3) + 0.5*math.Log(2)))
	for _, tc := range []struct {
		name string
		p    []float64
		n, k int
		want float64
	}{
		{"uniform rows", uniform, 5, k, 1},
		{"one-hot spread evenly", oneHot, 30, k, 10},
		{"one-hot collapsed", collapsed, 7, k, 1},
		{"two classes by hand", half, 2, 2, wantHalf},
	} {
		got, err := ClassifierScore(tc.p, tc.n, tc.k)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !approx(got, tc.want, 1e-12) {
			t.Errorf("%s: score %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestClassifierScoreBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    []float64
		n, k int
	}{
		{"wrong length", []float64{1, 0, 0}, 2, 2},
		{"row not summing to 1", []float64{0.5, 0.4}, 1, 2},
		{"negative", []float64{1.5, -0.5}, 1, 2},
		{"NaN", []float64{math.NaN(), 1}, 1, 2},
		{"no rows", nil, 0, 2},
	} {
		if _, err := ClassifierScore(tc.p, tc.n, tc.k); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestSoftmax(t *testing.T) {
	logits := []float64{0, 0, 1000, 1000 + math.Log(3), -5, -5}
	p := make([]float64, 6)
	Softmax(p, logits, 3, 2)
	want := []float64{0.5, 0.5, 0.25, 0.75, 0.5, 0.5}
	for i := range want {
		if !approx(p[i], want[i], 1e-12) {
			t.Errorf("softmax[%d] = %v, want %v", i, p[i], want[i])
		}
	}
}

// gaussian builds a Gaussian from a mean and a covariance given as a full
// row-major matrix.
func gaussian(mean []float64, cov []float64) Gaussian {
	return Gaussian{Mean: mean, Cov: mat.NewSymDense(len(mean), cov), N: 2}
}

func TestFrechetDistance(t *testing.T) {
	// Diagonal covariances commute, so the closed form is
	// ||mu1-mu2||² + Σ (sqrt(a_i) - sqrt(b_i))².
	a := gaussian([]float64{1, 2, 3}, []float64{4, 0, 0, 0, 9, 0, 0, 0, 0.25})
	b := gaussian([]float64{0, 2, 5}, []float64{1, 0, 0, 0, 16, 0, 0, 0, 1})
	wantDiag := 1.0 + 4 + (2-1)*(2-1) + (3-4)*(3-4) + (0.5-1)*(0.5-1)
	// 1-D: |m1-m2|² + (s1 - s2)².
	c1 := gaussian([]float64{0}, []float64{4})
	c2 := gaussian([]float64{3}, []float64{1})
	// A rotated (non-diagonal) pair: S1 = Q diag(1, 4) Qᵀ, S2 = Q diag(9, 1) Qᵀ
	// with the same rotation Q commute, giving (1-3)² + (2-1)² = 5.
	q := 1 / math.Sqrt2
	rot := func(l1, l2 float64) []float64 {
		// Q = [[q, -q], [q, q]]; Q diag(l1, l2) Qᵀ
		return []float64{q * q * (l1 + l2), q * q * (l1 - l2), q * q * (l1 - l2), q * q * (l1 + l2)}
	}
	r1 := gaussian([]float64{0, 0}, rot(1, 4))
	r2 := gaussian([]float64{0, 0}, rot(9, 1))
	// Non-commuting pair, against an independent value: for 2x2 SPD M,
	// Tr(sqrt(M)) = sqrt(Tr M + 2 sqrt(det M)); M = S1 S2 has real positive
	// eigenvalues, and the same identity holds for its principal root.
	s1 := []float64{2, 1, 1, 2}
	s2 := []float64{1, 0, 0, 3}
	m11, m12, m21, m22 := 2.0*1+1*0, 2.0*0+1*3, 1.0*1+2*0, 1.0*0+2*3
	trM, detM := m11+m22, m11*m22-m12*m21
	wantNC := 4 + 4 - 2*math.Sqrt(trM+2*math.Sqrt(detM))
	for _, tc := range []struct {
		name string
		a, b Gaussian
		want float64
	}{
		{"identical", a, a, 0},
		{"diagonal closed form", a, b, wantDiag},
		{"diagonal closed form, swapped", b, a, wantDiag},
		{"1-D", c1, c2, 9 + 1},
		{"rotated commuting", r1, r2, 5},
		{"non-commuting 2x2", gaussian([]float64{0, 0}, s1), gaussian([]float64{0, 0}, s2), wantNC},
	} {
		got, err := FrechetDistance(tc.a, tc.b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !approx(got, tc.want, 1e-9) {
			t.Errorf("%s: distance %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFrechetFromSamples(t *testing.T) {
	// A deterministic, correlated cloud of n points in d dimensions.
	const n, d = 500, 8
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x[i*d+j] = math.Sin(float64(i*(j+1))*0.37+float64(j)) + 0.3*math.Cos(float64(i)*0.11)
		}
	}
	shift := []float64{1, -2, 0, 0.5, 0, 0, 3, -1}
	y := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			y[i*d+j] = x[i*d+j] + shift[j]
		}
	}
	gx, err := FitGaussian(x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	gy, err := FitGaussian(y, n, d)
	if err != nil {
		t.Fatal(err)
	}
	same, err := FrechetDistance(gx, gx)
	if err != nil {
		t.Fatal(err)
	}
	if same > 1e-9 {
		t.Errorf("identical sets: distance %v, want ~0", same)
	}
	got, err := FrechetDistance(gx, gy)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, s := range shift {
		want += s * s
	}
	if !approx(got, want, 1e-9) {
		t.Errorf("shifted mean: distance %v, want ||shift||² = %v", got, want)
	}
}

func TestFitGaussian(t *testing.T) {
	// Rows (0,0), (2,0), (0,2), (2,2): mean (1,1), unbiased var 4/3, cov 0.
	g, err := FitGaussian([]float64{0, 0, 2, 0, 0, 2, 2, 2}, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g.Mean[0] != 1 || g.Mean[1] != 1 {
		t.Errorf("mean %v, want [1 1]", g.Mean)
	}
	want := [][]float64{{4.0 / 3, 0}, {0, 4.0 / 3}}
	for i := range want {
		for j := range want[i] {
			if got := g.Cov.At(i, j); !approx(got, want[i][j], 1e-12) {
				t.Errorf("cov[%d][%d] = %v, want %v", i, j, got, want[i][j])
			}
		}
	}
	if _, err := FitGaussian([]float64{1, 2}, 1, 2); err == nil {
		t.Error("one row: no error")
	}
	if _, err := FitGaussian([]float64{1, math.Inf(1), 0, 0}, 2, 2); err == nil {
		t.Error("infinite value: no error")
	}
}

func TestModeCoverage(t *testing.T) {
	uniform := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	var even, collapsed, skewed []int
	for i := 0; i < 1000; i++ {
		even = append(even, i%10)
		collapsed = append(collapsed, 7)
	}
	// 985 of class 0, then 1 of class 1, and 14 of class 2 (1.4%, below 2%).
	for i := 0; i < 985; i++ {
		skewed = append(skewed, 0)
	}
	skewed = append(skewed, 1)
	for i := 0; i < 14; i++ {
		skewed = append(skewed, 2)
	}
	// 20 of 1000 is exactly 2%: covered.
	var edge []int
	for i := 0; i < 980; i++ {
		edge = append(edge, 0)
	}
	for i := 0; i < 20; i++ {
		edge = append(edge, 1)
	}
	for _, tc := range []struct {
		name    string
		labels  []int
		covered int
		kl      float64
		tol     float64
	}{
		{"even", even, 10, 0, 1e-12},
		// KL(delta || uniform) = log 10, up to the smoothing.
		{"collapsed", collapsed, 1, math.Log(10), 1e-4},
		{"skewed", skewed, 1, 0.985*math.Log(0.985*10) + 0.001*math.Log(0.001*10) + 0.014*math.Log(0.014*10), 1e-4},
		{"exactly 2 percent", edge, 2, 0.98*math.Log(9.8) + 0.02*math.Log(0.2), 1e-4},
	} {
		m, err := ModeCoverage(tc.labels, 10, uniform)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m.Covered != tc.covered {
			t.Errorf("%s: %d classes covered, want %d (histogram %v)", tc.name, m.Covered, tc.covered, m.Histogram)
		}
		if !approx(m.KL, tc.kl, tc.tol) {
			t.Errorf("%s: KL %v, want %v", tc.name, m.KL, tc.kl)
		}
		sum := 0
		for _, c := range m.Histogram {
			sum += c
		}
		if sum != len(tc.labels) {
			t.Errorf("%s: histogram sums to %d, want %d", tc.name, sum, len(tc.labels))
		}
	}
	if _, err := ModeCoverage([]int{0, 10}, 10, uniform); err == nil {
		t.Error("label 10 of 10 classes: no error")
	}
	if _, err := ModeCoverage(nil, 10, uniform); err == nil {
		t.Error("no samples: no error")
	}
	// A class the reference never shows stays finite thanks to smoothing.
	ref := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}
	m, err := ModeCoverage([]int{9, 9}, 10, ref)
	if err != nil || math.IsInf(m.KL, 0) || m.KL <= 0 {
		t.Errorf("class absent from reference: KL %v, err %v; want finite and positive", m.KL, err)
	}
}

// bruteParzen is the direct formula, one point and one centre at a time.
func bruteParzen(centres []float64, m int, x []float64, n, d int, sigma float64) []float64 {
	out := make([]float64, n)
	for j := 0; j < n; j++ {
		terms := make([]float64, m)
		mx := math.Inf(-1)
		for i := 0; i < m; i++ {
			s := 0.0
			for k := 0; k < d; k++ {
				t := x[j*d+k] - centres[i*d+k]
				s += t * t
			}
			terms[i] = -s / (2 * sigma * sigma)
			mx = max(mx, terms[i])
		}
		acc := 0.0
		for _, v := range terms {
			acc += math.Exp(v - mx)
		}
		out[j] = mx + math.Log(acc) - math.Log(float64(m)) - float64(d)/2*math.Log(2*math.Pi*sigma*sigma)
	}
	return out
}

func TestParzenAgainstBruteForce(t *testing.T) {
	// Sizes that cross the block boundaries in both directions.
	const m, n, d = parzenCols + 37, parzenRows + 5, 6
	c := make([]float64, m*d)
	x := make([]float64, n*d)
	for i := range c {
		c[i] = math.Mod(float64(i)*0.618034, 1)
	}
	for i := range x {
		x[i] = math.Mod(float64(i)*0.414214+0.1, 1.2)
	}
	sigmas := []float64{0.01, 0.1, 1, 3}
	got, err := ParzenLogLik(context.Background(), c, m, x, n, d, sigmas)
	if err != nil {
		t.Fatal(err)
	}
	for s, sg := range sigmas {
		want := bruteParzen(c, m, x, n, d, sg)
		for j := range want {
			if !approx(got[s][j], want[j], 1e-9) {
				t.Fatalf("sigma %v point %d: %v, want %v", sg, j, got[s][j], want[j])
			}
		}
	}
}

func TestParzenOneDimensionalGaussian(t *testing.T) {
	// One centre at 0: the density is exactly N(x; 0, σ²).
	sigma := 0.3
	xs := []float64{0, 0.5, -2}
	ll, err := ParzenLogLik(context.Background(), []float64{0}, 1, xs, 3, 1, []float64{sigma})
	if err != nil {
		t.Fatal(err)
	}
	for j, x := range xs {
		want := -0.5*math.Log(2*math.Pi*sigma*sigma) - x*x/(2*sigma*sigma)
		if !approx(ll[0][j], want, 1e-12) {
			t.Errorf("x=%v: %v, want %v", x, ll[0][j], want)
		}
	}
	// Many centres at the quantiles of N(0, s²) smoothed by a kernel of
	// width σ approximate N(0, s²+σ²); the expected log-likelihood of
	// x ~ N(0, s²) under it is -½log(2π(s²+σ²)) - s²/(2(s²+σ²)).
	const m, n = 4000, 2000
	s := 1.0
	centres := normalQuantiles(m, s)
	test := normalQuantiles(n, s)
	res, err := Parzen(context.Background(), centres, m, test, n, test, n, 1, []float64{0.5})
	if err != nil {
		t.Fatal(err)
	}
	v := s*s + 0.25
	want := -0.5*math.Log(2*math.Pi*v) - s*s/(2*v)
	if math.Abs(res.Mean-want) > 5e-3 {
		t.Errorf("1-D Gaussian: mean log-likelihood %v, want %v", res.Mean, want)
	}
	if !(res.StdErr > 0 && res.StdErr < 0.05) {
		t.Errorf("1-D Gaussian: standard error %v, want small and positive", res.StdErr)
	}
}

func TestParzenChoosesSigma(t *testing.T) {
	// With centres equal to the validation points the widest kernel is not
	// best; with a single far centre the widest is. Check that the chosen
	// width is the arg max of the reported validation means.
	const m, d = 200, 3
	c := make([]float64, m*d)
	for i := range c {
		c[i] = math.Mod(float64(i)*0.618034, 1)
	}
	res, err := Parzen(context.Background(), c, m, c[:50*d], 50, c[50*d:80*d], 30, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ValidMeans) != 10 || len(res.Sigmas) != 10 {
		t.Fatalf("%d validation means for %d candidates, want 10 and 10", len(res.ValidMeans), len(res.Sigmas))
	}
	best := 0
	for s := range res.ValidMeans {
		if res.ValidMeans[s] > res.ValidMeans[best] {
			best = s
		}
	}
	if res.Sigma != res.Sigmas[best] {
		t.Errorf("chose sigma %v, but the best validation mean is at %v (means %v)", res.Sigma, res.Sigmas[best], res.ValidMeans)
	}
	if s := ParzenSigmas(); !approx(s[0], 0.1, 1e-15) || !approx(s[9], 1, 1e-15) || !approx(s[1], math.Pow(10, -8.0/9), 1e-15) {
		t.Errorf("ParzenSigmas() = %v, want logspace(-1, 0, 10)", s)
	}
}

func TestParzenBadInput(t *testing.T) {
	ctx := context.Background()
	if _, err := ParzenLogLik(ctx, []float64{0, 0}, 1, []float64{0}, 1, 2, []float64{1}); err == nil {
		t.Error("short points: no error")
	}
	if _, err := ParzenLogLik(ctx, []float64{0}, 1, []float64{0}, 1, 1, []float64{0}); err == nil {
		t.Error("zero sigma: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ParzenLogLik(cctx, []float64{0}, 1, []float64{0}, 1, 1, []float64{1}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// normalQuantiles returns n deterministic points of N(0, s²): the quantiles
// at (i+½)/n.
func normalQuantiles(n int, s float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		p := (float64(i) + 0.5) / float64(n)
		out[i] = s * math.Sqrt2 * math.Erfinv(2*p-1)
	}
	return out
}
