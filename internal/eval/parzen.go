package eval

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// ParzenSigmas returns Goodfellow et al. 2014's candidate kernel widths,
// numpy.logspace(-1, 0, 10): ten values from 0.1 to 1, evenly spaced in log10.
func ParzenSigmas() []float64 {
	s := make([]float64, 10)
	for i := range s {
		s[i] = math.Pow(10, -1+float64(i)/9)
	}
	return s
}

// Parzen block sizes: a (parzenRows, parzenCols) block of squared distances
// (2 MiB of float64) is computed with one matrix product and consumed at
// once, so that memory stays small however many centres there are.
const (
	parzenRows = 128
	parzenCols = 2048
)

// ParzenLogLik returns the log-likelihood of each row of x under the
// Parzen-window (Gaussian kernel) density centred on the rows of centres,
// for every kernel width in sigmas:
//
//	log p(x) = logsumexp_i(-||x - c_i||² / (2σ²)) - log m - (d/2)·log(2πσ²)
//
// with m centres, as in Goodfellow et al. 2014's evaluation. Everything is
// float64; squared distances come blockwise from ||x||² + ||c||² - 2x·c (one
// matrix product per block, clamped at 0), and the log-sum-exp is a running
// one (max-shifted), so it neither overflows nor underflows for any σ.
//
// centres is (m, d), x is (n, d); the result is (len(sigmas), n):
// out[s][j] is the log-likelihood of row j under width sigmas[s].
// ctx is checked between blocks.
func ParzenLogLik(ctx context.Context, centres []float64, m int, x []float64, n, d int, sigmas []float64) ([][]float64, error) {
	if err := checkParzenInput(len(centres), m, len(x), n, d, sigmas); err != nil {
		return nil, err
	}
	cn := rowNorms(centres, m, d)
	xn := rowNorms(x, n, d)
	ns := len(sigmas)
	inv := make([]float64, ns) // 1/(2σ²)
	for s, sg := range sigmas {
		inv[s] = 1 / (2 * sg * sg)
	}
	// Running log-sum-exp per (sigma, point): lse = mx + log(sum).
	mx := make([]float64, ns*n)
	sum := make([]float64, ns*n)
	for i := range mx {
		mx[i] = math.Inf(-1)
	}
	dist := make([]float64, parzenRows*parzenCols)
	for r0 := 0; r0 < n; r0 += parzenRows {
		r1 := min(r0+parzenRows, n)
		br := r1 - r0
		for c0 := 0; c0 < m; c0 += parzenCols {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("Parzen log-likelihood: %w", err)
			}
			c1 := min(c0+parzenCols, m)
			bc := c1 - c0
			// dist (br, bc) = x[r0:r1] · centres[c0:c1]ᵀ
			blas64.Gemm(blas.NoTrans, blas.Trans, 1,
				blas64.General{Rows: br, Cols: d, Stride: d, Data: x[r0*d : r1*d]},
				blas64.General{Rows: bc, Cols: d, Stride: d, Data: centres[c0*d : c1*d]},
				0, blas64.General{Rows: br, Cols: bc, Stride: bc, Data: dist[:br*bc]})
			for r := 0; r < br; r++ {
				row := dist[r*bc : (r+1)*bc]
				dmin := math.Inf(1)
				for c := range row {
					v := max(xn[r0+r]+cn[c0+c]-2*row[c], 0)
					row[c] = v
					dmin = min(dmin, v)
				}
				for s := 0; s < ns; s++ {
					k := s*n + r0 + r
					top := -dmin * inv[s]
					if top > mx[k] {
						sum[k] *= math.Exp(mx[k] - top) // 0 when mx was -Inf
						mx[k] = top
					}
					acc, shift, is := 0.0, mx[k], inv[s]
					for _, v := range row {
						acc += math.Exp(-v*is - shift)
					}
					sum[k] += acc
				}
			}
		}
	}
	out := make([][]float64, ns)
	logm := math.Log(float64(m))
	for s, sg := range sigmas {
		norm := logm + 0.5*float64(d)*math.Log(2*math.Pi*sg*sg)
		out[s] = make([]float64, n)
		for j := 0; j < n; j++ {
			k := s*n + j
			out[s][j] = mx[k] + math.Log(sum[k]) - norm
		}
	}
	return out, nil
}

// checkParzenInput checks the sizes ParzenLogLik is given (lenC and lenX
// are the lengths of its centres and x) and its kernel widths.
func checkParzenInput(lenC, m, lenX, n, d int, sigmas []float64) error {
	if m <= 0 || n <= 0 || d <= 0 {
		return fmt.Errorf("Parzen log-likelihood: %d centres, %d points, dimension %d: all must be positive", m, n, d)
	}
	if lenC != m*d {
		return fmt.Errorf("Parzen log-likelihood: centres hold %d values, want %d*%d", lenC, m, d)
	}
	if lenX != n*d {
		return fmt.Errorf("Parzen log-likelihood: points hold %d values, want %d*%d", lenX, n, d)
	}
	if len(sigmas) == 0 {
		return fmt.Errorf("Parzen log-likelihood: no kernel widths")
	}
	for _, s := range sigmas {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("Parzen log-likelihood: kernel width %v: must be positive and finite", s)
		}
	}
	return nil
}

func rowNorms(x []float64, n, d int) []float64 {
	out := make([]float64, n)
	for i := range out {
		s := 0.0
		for _, v := range x[i*d : (i+1)*d] {
			s += v * v
		}
		out[i] = s
	}
	return out
}

// MeanStdErr returns the mean of v and its standard error std/sqrt(N), with
// the population standard deviation (divisor N), as Goodfellow et al.'s
// Parzen script reports it.
func MeanStdErr(v []float64) (mean, se float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(v))) / math.Sqrt(float64(len(v)))
}

// ParzenResult is a Parzen-window estimate following Goodfellow et al. 2014.
type ParzenResult struct {
	Sigma      float64   `json:"sigma"`            // the kernel width chosen on the validation points
	Mean       float64   `json:"log_likelihood"`   // mean log-likelihood of the test points, nats
	StdErr     float64   `json:"std_error"`        // std/sqrt(N) of the test log-likelihoods
	NTest      int       `json:"n_test"`           // test points
	NCentres   int       `json:"n_centres"`        // kernel centres
	NValid     int       `json:"n_validation"`     // validation points used to choose sigma
	ValidMeans []float64 `json:"validation_means"` // mean validation log-likelihood per candidate
	Sigmas     []float64 `json:"sigma_candidates"` // the candidates, ParzenSigmas() by default
}

// Parzen runs the whole protocol: the kernel width is the candidate in
// sigmas (ParzenSigmas() when nil) that maximises the mean log-likelihood
// of the validation points, and the result is the mean ± std/sqrt(N) of the
// test points' log-likelihoods at that width.
// centres is (m, d), valid is (nv, d), test is (nt, d).
func Parzen(ctx context.Context, centres []float64, m int, valid []float64, nv int, test []float64, nt, d int, sigmas []float64) (ParzenResult, error) {
	if sigmas == nil {
		sigmas = ParzenSigmas()
	}
	vll, err := ParzenLogLik(ctx, centres, m, valid, nv, d, sigmas)
	if err != nil {
		return ParzenResult{}, fmt.Errorf("choosing the kernel width on validation points: %w", err)
	}
	res := ParzenResult{NTest: nt, NCentres: m, NValid: nv, Sigmas: sigmas, ValidMeans: make([]float64, len(sigmas))}
	best := math.Inf(-1)
	for s, ll := range vll {
		res.ValidMeans[s], _ = MeanStdErr(ll)
		if res.ValidMeans[s] > best || s == 0 {
			best, res.Sigma = res.ValidMeans[s], sigmas[s]
		}
	}
	tll, err := ParzenLogLik(ctx, centres, m, test, nt, d, []float64{res.Sigma})
	if err != nil {
		return ParzenResult{}, fmt.Errorf("test log-likelihood: %w", err)
	}
	res.Mean, res.StdErr = MeanStdErr(tll[0])
	return res, nil
}
