package eval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"gan-train/internal/data"
	"gan-train/model"
)

// DefaultSamples is the number of generated samples every metric is
// computed on unless Options say otherwise (Goodfellow et al. 2014 used
// 10,000 Parzen centres; TF-GAN's and FID's usual sample count too).
const DefaultSamples = 10000

// DefaultParzenValidation is the number of training digits on which the
// Parzen kernel width is chosen.
const DefaultParzenValidation = 1000

// Options tunes an evaluation. The zero value means the defaults.
type Options struct {
	// Samples is the number of generated images every metric uses
	// (DefaultSamples when 0). Evaluating fewer images is an error, so that
	// figures are always comparable; extra images are ignored.
	Samples int
	// ParzenValidation is the number of training digits, spread evenly
	// over the training set, on which the kernel width is chosen
	// (DefaultParzenValidation when 0).
	ParzenValidation int
	// ParzenTest limits the held-out test digits whose likelihood is
	// reported (0: all of them).
	ParzenTest int
	// Sigmas are the candidate kernel widths (ParzenSigmas() when nil).
	Sigmas []float64
	// NoFloor skips the real-data floor in Evaluate's report.
	NoFloor bool
	// NoParzen skips the Parzen estimate, by far the slowest metric (tens
	// of seconds on a CPU core for 10,000 samples), in Evaluate and in the
	// floor: its fields stay zero (ParzenTest 0 says it was skipped).
	NoParzen bool
}

func (o Options) withDefaults() Options {
	if o.Samples == 0 {
		o.Samples = DefaultSamples
	}
	if o.ParzenValidation == 0 {
		o.ParzenValidation = DefaultParzenValidation
	}
	if o.Sigmas == nil {
		o.Sigmas = ParzenSigmas()
	}
	return o
}

// Floor holds each metric for real data against real data: the held-out
// test digits judged as if they were samples, against the training digits.
// It is the best a generator can hope for (a generator that memorised the
// training set can beat the Parzen figure; see the package doc).
type Floor struct {
	NSamples        int     `json:"real_n_samples"` // test digits judged
	ClassifierScore float64 `json:"real_classifier_score"`
	FrechetDistance float64 `json:"real_frechet_distance"`
	// FrechetDistanceInf is FrechetInfinity's estimate for as many test
	// digits as one likes, comparable with the samples' estimate.
	FrechetDistanceInf float64 `json:"real_frechet_distance_inf,omitempty"`
	ModesCovered       int     `json:"real_modes_covered"`
	ClassKL            float64 `json:"real_class_kl"`
	// Parzen: kernel centres are the training digits minus the validation
	// ones; the test points are the same test digits as for samples.
	ParzenLogLikelihood float64 `json:"real_parzen_log_likelihood"`
	ParzenStdError      float64 `json:"real_parzen_std_error"`
	ParzenSigma         float64 `json:"real_parzen_sigma"`
	ParzenCentres       int     `json:"real_parzen_centres"`
}

// Report is the evaluation of a set of generated images.
type Report struct {
	NSamples        int     `json:"n_samples"`
	ClassifierScore float64 `json:"classifier_score"`
	// FrechetDistance is between Gaussians fitted to FeatureLayer
	// activations of the samples and of all training digits.
	FrechetDistance float64 `json:"frechet_distance"`
	// FrechetDistanceFloorN is the same distance for the first
	// FrechetFloorN samples only, as many as the real-data floor judges
	// (the held-out digits): the estimate's upward bias grows as the
	// sample count falls (Chong and Forsyth 2020), so this is the figure to
	// compare with the floor's. Zero when the floor judges as many or more.
	FrechetDistanceFloorN float64 `json:"frechet_distance_at_floor_n,omitempty"`
	FrechetFloorN         int     `json:"frechet_floor_n,omitempty"`
	// FrechetDistanceInf extrapolates the distance to infinitely many
	// samples (FrechetInfinity, Chong and Forsyth 2020's FID∞), which
	// removes the dependence on the sample count. Zero (left out of JSON)
	// below 2*InfinityPoints samples.
	FrechetDistanceInf float64 `json:"frechet_distance_inf,omitempty"`
	ModesCovered       int     `json:"modes_covered"` // classes with >= 2% of the samples
	ClassKL            float64 `json:"class_kl"`      // KL(sample classes || training labels), nats
	MinClassFraction   float64 `json:"min_class_fraction"`
	ClassHistogram     []int   `json:"class_histogram"`
	// Parzen-window log-likelihood (nats) of ParzenTest held-out digits
	// under a Gaussian kernel density on the samples, mean ± std/sqrt(N).
	ParzenLogLikelihood float64 `json:"parzen_log_likelihood"`
	ParzenStdError      float64 `json:"parzen_std_error"`
	ParzenSigma         float64 `json:"parzen_sigma"`
	ParzenTest          int     `json:"parzen_test_points"`
	ParzenValidation    int     `json:"parzen_validation_points"`

	FeatureLayer       string  `json:"feature_layer"`
	ClassifierAccuracy float64 `json:"classifier_test_accuracy"`
	TrainImages        int     `json:"train_images"`

	// The real-data floor, nil when skipped (Options.NoFloor).
	*Floor
}

// infCol formats a FID∞ estimate of n images, "-" when n is too small for
// one.
func infCol(n int, v float64) string {
	if n < 2*InfinityPoints {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}

// parzenSkipped reports whether the evaluation left the Parzen estimate
// out (Options.NoParzen): every Parzen field is zero.
func (r Report) parzenSkipped() bool {
	return r.ParzenTest == 0 && r.ParzenLogLikelihood == 0 && r.ParzenStdError == 0 && r.ParzenSigma == 0
}

// String renders the report as a small table for people.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d generated samples; digit classifier %.2f%% accurate on held-out digits; features: %s\n",
		r.NSamples, 100*r.ClassifierAccuracy, r.FeatureLayer)
	floorCol := func(f func(*Floor) string) string {
		if r.Floor == nil {
			return "-"
		}
		return f(r.Floor)
	}
	rows := [][3]string{
		{"metric", "samples", "real test digits"},
		{"classifier score (higher is better)", fmt.Sprintf("%.3f", r.ClassifierScore), floorCol(func(f *Floor) string { return fmt.Sprintf("%.3f", f.ClassifierScore) })},
		{"Frechet distance to training digits", fmt.Sprintf("%.3f", r.FrechetDistance), floorCol(func(f *Floor) string { return fmt.Sprintf("%.3f", f.FrechetDistance) })},
	}
	if r.FrechetFloorN > 0 {
		rows = append(rows, [3]string{fmt.Sprintf("  the same on the first %d samples", r.FrechetFloorN), fmt.Sprintf("%.3f", r.FrechetDistanceFloorN), floorCol(func(f *Floor) string { return fmt.Sprintf("%.3f", f.FrechetDistance) })})
	}
	rows = append(rows, [][3]string{
		{"  extrapolated to infinitely many (FID∞)", infCol(r.NSamples, r.FrechetDistanceInf), floorCol(func(f *Floor) string { return infCol(f.NSamples, f.FrechetDistanceInf) })},
		{fmt.Sprintf("classes with >= %g%% of samples", 100*ModeThreshold), fmt.Sprintf("%d/%d", r.ModesCovered, Classes), floorCol(func(f *Floor) string { return fmt.Sprintf("%d/%d", f.ModesCovered, Classes) })},
		{"class KL to training labels (nats)", fmt.Sprintf("%.4f", r.ClassKL), floorCol(func(f *Floor) string { return fmt.Sprintf("%.4f", f.ClassKL) })},
	}...)
	if !r.parzenSkipped() {
		rows = append(rows, [3]string{"Parzen log-likelihood (nats)", fmt.Sprintf("%.1f ± %.1f (sigma %.3f)", r.ParzenLogLikelihood, r.ParzenStdError, r.ParzenSigma),
			floorCol(func(f *Floor) string {
				return fmt.Sprintf("%.1f ± %.1f (sigma %.3f)", f.ParzenLogLikelihood, f.ParzenStdError, f.ParzenSigma)
			})})
	}
	w := [3]int{}
	for _, row := range rows {
		for i, c := range row {
			w[i] = max(w[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		fmt.Fprintf(&b, "  %-*s  %-*s  %s\n", w[0], row[0], w[1], row[1], row[2])
	}
	fmt.Fprintf(&b, "  class histogram of samples: %v (min share %.2f%%)\n", r.ClassHistogram, 100*r.MinClassFraction)
	if r.parzenSkipped() {
		b.WriteString("  Parzen log-likelihood: not computed\n")
		return b.String()
	}
	fmt.Fprintf(&b, "  Parzen: %d test digits, sigma chosen on %d training digits", r.ParzenTest, r.ParzenValidation)
	if r.Floor != nil {
		fmt.Fprintf(&b, "; the real row uses %d training digits as centres and %d test digits as samples", r.Floor.ParzenCentres, r.Floor.NSamples)
	}
	b.WriteString("\n")
	return b.String()
}

// Reference is what an evaluation compares samples with, computed once and
// reused by every Evaluate call: the Gaussian of the training digits'
// features, their class distribution, the Parzen validation and test
// digits, and (on first use) the real-data floor.
//
// A Reference is safe for concurrent use, but the Backend passed to its
// methods is not: give a background evaluation its own Backend.
type Reference struct {
	clf        *Classifier
	opts       Options
	train      Images
	test       Images
	realGauss  Gaussian
	classDist  []float64
	validIdx   []int
	valid      []float64 // (len(validIdx), D)
	parzenTest []float64 // (nTest, D)
	nTest      int

	mu    sync.Mutex
	floor *Floor
}

// NewReference prepares evaluations against train (labelled) and test
// (the held-out digits; labels optional) with classifier clf, on be.
func NewReference(ctx context.Context, be model.Backend, clf *Classifier, train, test Images, opts Options) (*Reference, error) {
	opts = opts.withDefaults()
	if clf == nil {
		return nil, errors.New("evaluation: no classifier")
	}
	if opts.Samples < 2 || opts.ParzenValidation < 1 || opts.ParzenTest < 0 {
		return nil, fmt.Errorf("evaluation options: %d samples (want >= 2), %d validation digits (want >= 1), %d test digits (want >= 0)", opts.Samples, opts.ParzenValidation, opts.ParzenTest)
	}
	if train.D != clf.Spec.In || test.D != clf.Spec.In {
		return nil, fmt.Errorf("evaluation: training images have %d pixels and test images %d; the classifier takes %d", train.D, test.D, clf.Spec.In)
	}
	if train.Labels == nil {
		return nil, errors.New("evaluation: the training images need labels (for the real class distribution)")
	}
	if train.N < 2+opts.ParzenValidation || test.N < 2 {
		return nil, fmt.Errorf("evaluation: %d training and %d test images: need more than %d training (the Parzen validation digits) and at least 2 test images", train.N, test.N, opts.ParzenValidation+1)
	}
	r := &Reference{clf: clf, opts: opts, train: train, test: test}
	p, err := clf.Predict(ctx, be, train, true)
	if err != nil {
		return nil, fmt.Errorf("evaluation: features of the training digits: %w", err)
	}
	if r.realGauss, err = FitGaussian(p.Features, p.N, p.Width); err != nil {
		return nil, fmt.Errorf("evaluation: training digits: %w", err)
	}
	h, err := ClassHistogram(train.Labels, Classes)
	if err != nil {
		return nil, fmt.Errorf("evaluation: training labels: %w", err)
	}
	r.classDist = make([]float64, Classes)
	for c, n := range h {
		r.classDist[c] = float64(n) / float64(train.N)
	}
	nv := opts.ParzenValidation
	r.validIdx = make([]int, nv)
	r.valid = make([]float64, 0, nv*train.D)
	for i := range r.validIdx {
		j := i * train.N / nv // evenly spread, strictly increasing
		r.validIdx[i] = j
		for _, v := range train.Pix[j*train.D : (j+1)*train.D] {
			r.valid = append(r.valid, float64(v))
		}
	}
	r.nTest = test.N
	if opts.ParzenTest > 0 && opts.ParzenTest < test.N {
		r.nTest = opts.ParzenTest
	}
	r.parzenTest = test.Slice(0, r.nTest).float64s()
	return r, nil
}

// Options are the reference's options, defaults filled in.
func (r *Reference) Options() Options { return r.opts }

// Evaluate computes every metric on the first Options.Samples images of gen
// (pixels in [0, 1]), plus the real-data floor unless Options.NoFloor.
func (r *Reference) Evaluate(ctx context.Context, be model.Backend, gen Images) (Report, error) {
	n := r.opts.Samples
	if gen.N < n {
		return Report{}, fmt.Errorf("evaluation: %d generated images, want at least %d (the sample count every metric uses)", gen.N, n)
	}
	if gen.D != r.clf.Spec.In {
		return Report{}, fmt.Errorf("evaluation: generated images have %d pixels, want %d", gen.D, r.clf.Spec.In)
	}
	gen = gen.Slice(0, n)
	rep := Report{
		NSamples:           n,
		FeatureLayer:       r.clf.FeatureLayer(),
		ClassifierAccuracy: r.clf.TestAccuracy,
		TrainImages:        r.clf.TrainImages,
		ParzenValidation:   len(r.validIdx),
	}
	small := 0
	if r.test.N < n {
		small = r.test.N
	}
	j, err := r.judge(ctx, be, gen, small)
	if err != nil {
		return Report{}, fmt.Errorf("evaluating samples: %w", err)
	}
	rep.ClassifierScore, rep.FrechetDistance, rep.FrechetDistanceInf = j.score, j.fd, j.fdInf
	if small > 0 {
		rep.FrechetDistanceFloorN, rep.FrechetFloorN = j.fdSmall, small
	}
	rep.ModesCovered, rep.ClassKL, rep.MinClassFraction, rep.ClassHistogram = j.modes.Covered, j.modes.KL, j.modes.MinFraction, j.modes.Histogram
	if !r.opts.NoParzen {
		pz, err := r.parzen(ctx, gen.float64s(), n)
		if err != nil {
			return Report{}, fmt.Errorf("evaluating samples: %w", err)
		}
		rep.ParzenLogLikelihood, rep.ParzenStdError, rep.ParzenSigma, rep.ParzenTest = pz.Mean, pz.StdErr, pz.Sigma, pz.NTest
	}
	if !r.opts.NoFloor {
		f, err := r.Floor(ctx, be)
		if err != nil {
			return Report{}, err
		}
		rep.Floor = &f
	}
	return rep, nil
}

// judged holds the classifier-based metrics of a set of images.
type judged struct {
	score, fd float64
	fdSmall   float64 // fd of the first small images only (0 when small is 0)
	fdInf     float64 // FrechetInfinity's estimate
	modes     Modes
}

// judge computes the classifier-based metrics of im, and the Frechet
// distance of its first small images too when small >= 2.
func (r *Reference) judge(ctx context.Context, be model.Backend, im Images, small int) (judged, error) {
	p, err := r.clf.Predict(ctx, be, im, true)
	if err != nil {
		return judged{}, err
	}
	var j judged
	if j.score, err = ClassifierScore(p.Probs, p.N, Classes); err != nil {
		return judged{}, err
	}
	g, err := FitGaussian(p.Features, p.N, p.Width)
	if err != nil {
		return judged{}, err
	}
	if j.fd, err = FrechetDistance(g, r.realGauss); err != nil {
		return judged{}, err
	}
	if p.N >= 2*InfinityPoints {
		if j.fdInf, err = FrechetInfinity(p.Features, p.N, p.Width, r.realGauss); err != nil {
			return judged{}, err
		}
	}
	if small >= 2 && small < p.N {
		gs, err := FitGaussian(p.Features[:small*p.Width], small, p.Width)
		if err != nil {
			return judged{}, err
		}
		if j.fdSmall, err = FrechetDistance(gs, r.realGauss); err != nil {
			return judged{}, err
		}
	}
	if j.modes, err = ModeCoverage(p.Classes(), Classes, r.classDist); err != nil {
		return judged{}, err
	}
	return j, nil
}

func (r *Reference) parzen(ctx context.Context, centres []float64, m int) (ParzenResult, error) {
	return Parzen(ctx, centres, m, r.valid, len(r.validIdx), r.parzenTest, r.nTest, r.train.D, r.opts.Sigmas)
}

// Floor computes (once) and returns the real-data floor: the held-out test
// digits judged as samples against the training digits. For the Parzen
// estimate the centres are the training digits other than the validation
// ones, so that no point is scored under a kernel centred on itself.
func (r *Reference) Floor(ctx context.Context, be model.Backend) (Floor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.floor != nil {
		return *r.floor, nil
	}
	j, err := r.judge(ctx, be, r.test, 0)
	if err != nil {
		return Floor{}, fmt.Errorf("real-data floor: %w", err)
	}
	f := Floor{
		NSamples: r.test.N, ClassifierScore: j.score, FrechetDistance: j.fd, FrechetDistanceInf: j.fdInf,
		ModesCovered: j.modes.Covered, ClassKL: j.modes.KL,
	}
	if r.opts.NoParzen {
		r.floor = &f
		return f, nil
	}
	d := r.train.D
	centres := make([]float64, 0, (r.train.N-len(r.validIdx))*d)
	next := 0
	for i := 0; i < r.train.N; i++ {
		if next < len(r.validIdx) && r.validIdx[next] == i {
			next++
			continue
		}
		for _, v := range r.train.Pix[i*d : (i+1)*d] {
			centres = append(centres, float64(v))
		}
	}
	m := len(centres) / d
	pz, err := r.parzen(ctx, centres, m)
	if err != nil {
		return Floor{}, fmt.Errorf("real-data floor: %w", err)
	}
	f.ParzenLogLikelihood, f.ParzenStdError, f.ParzenSigma, f.ParzenCentres = pz.Mean, pz.StdErr, pz.Sigma, m
	r.floor = &f
	return f, nil
}

// Classifier is the classifier the reference judges with.
func (r *Reference) Classifier() *Classifier { return r.clf }

// ParzenValidationIndices are the training digits, in increasing order,
// on which the Parzen bandwidth is chosen. Images evaluated as samples
// should not contain them (or copies of them): a centre equal to a
// validation digit drives the chosen bandwidth to its smallest value.
func (r *Reference) ParzenValidationIndices() []int {
	return append([]int(nil), r.validIdx...)
}

// Prepare is the one call a command needs before evaluating: it converts
// the training and held-out datasets, loads the dataset's classifier from
// cacheDir (training and caching it when missing or stale, see
// LoadOrTrainClassifier) and builds the Reference. name identifies the
// dataset in the cache ("digits", "mnist", ...).
func Prepare(ctx context.Context, be model.Backend, cacheDir, name string, train, test *data.Dataset, cfg ClassifierConfig, opts Options, log *slog.Logger) (*Reference, error) {
	tr, err := FromDataset(train)
	if err != nil {
		return nil, fmt.Errorf("evaluation training set: %w", err)
	}
	te, err := FromDataset(test)
	if err != nil {
		return nil, fmt.Errorf("evaluation test set: %w", err)
	}
	clf, _, err := LoadOrTrainClassifier(ctx, be, cacheDir, name, tr, te, cfg, log)
	if err != nil {
		return nil, err
	}
	return NewReference(ctx, be, clf, tr, te, opts)
}
