package eval

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/rng"
	"gan-train/model"
)

// smallReference is a reference over 3,000 training and 500 test digits
// with a quickly trained classifier, shared by the tests of this file.
var smallReference = sync.OnceValues(func() (*Reference, error) {
	d, err := digits()
	if err != nil {
		return nil, err
	}
	be := cpu.New(cpu.Options{})
	train, test := d[0].Slice(0, 3000), d[1].Slice(0, 500)
	clf, err := TrainClassifier(context.Background(), be, train, test, fastConfig(), quiet())
	if err != nil {
		return nil, err
	}
	return NewReference(context.Background(), be, clf, train, test, Options{Samples: 1000, ParzenValidation: 200, ParzenTest: 300})
})

func reference(t *testing.T) (*Reference, model.Backend) {
	t.Helper()
	r, err := smallReference()
	if err != nil {
		t.Fatal(err)
	}
	return r, cpu.New(cpu.Options{})
}

func TestEvaluateRealVersusCollapsedVersusNoise(t *testing.T) {
	r, be := reference(t)
	ctx := context.Background()
	all, _ := digits()
	// "Samples" that are real digits the reference has not seen.
	real := all[0].Slice(5000, 6000)
	// A collapsed generator: one digit repeated.
	one := make([]float32, 1000*784)
	for i := 0; i < 1000; i++ {
		copy(one[i*784:], all[0].Pix[:784])
	}
	collapsed, err := FromFloats(one, 1000, 784)
	if err != nil {
		t.Fatal(err)
	}
	// Uniform noise.
	nz := make([]float32, 1000*784)
	rng.FillUniform01(nz, 5, 0, 0)
	noise, err := FromFloats(nz, 1000, 784)
	if err != nil {
		t.Fatal(err)
	}
	rep := map[string]Report{}
	for name, im := range map[string]Images{"real": real, "collapsed": collapsed, "noise": noise} {
		if rep[name], err = r.Evaluate(ctx, be, im); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s:\n%s", name, rep[name])
	}
	re, co, no := rep["real"], rep["collapsed"], rep["noise"]
	if re.NSamples != 1000 || re.ParzenTest != 300 || re.ParzenValidation != 200 {
		t.Errorf("counts: %d samples, %d test, %d validation; want 1000, 300, 200", re.NSamples, re.ParzenTest, re.ParzenValidation)
	}
	if re.ClassifierScore < 4 || co.ClassifierScore > 1.5 {
		t.Errorf("classifier score: real digits %.3f (want > 4 with this weak classifier), one digit repeated %.3f (want < 1.5)", re.ClassifierScore, co.ClassifierScore)
	}
	if re.ModesCovered != 10 || co.ModesCovered != 1 {
		t.Errorf("modes covered: real %d (want 10), collapsed %d (want 1)", re.ModesCovered, co.ModesCovered)
	}
	if re.ClassKL > 0.05 || co.ClassKL < 1.5 {
		t.Errorf("class KL: real %.4f (want < 0.05), collapsed %.4f (want about log 10)", re.ClassKL, co.ClassKL)
	}
	if !(re.FrechetDistance < co.FrechetDistance/10 && re.FrechetDistance < no.FrechetDistance/10) {
		t.Errorf("Frechet distance: real %.3f, collapsed %.3f, noise %.3f; want real at least ten times smaller", re.FrechetDistance, co.FrechetDistance, no.FrechetDistance)
	}
	if !(re.ParzenLogLikelihood > co.ParzenLogLikelihood && co.ParzenLogLikelihood > no.ParzenLogLikelihood) {
		t.Errorf("Parzen: real %.1f, collapsed %.1f, noise %.1f; want them in that order", re.ParzenLogLikelihood, co.ParzenLogLikelihood, no.ParzenLogLikelihood)
	}
	// The Frechet distance on as many samples as the floor judges (500):
	// the same figure a 500-sample evaluation gives, and larger than the
	// 1,000-sample one (the estimate's bias falls with the sample count).
	if re.FrechetFloorN != 500 {
		t.Errorf("Frechet floor sample count %d, want 500 (the reference's test digits)", re.FrechetFloorN)
	}
	r500, err := NewReference(ctx, be, r.clf, r.train, r.test, Options{Samples: 500, ParzenValidation: 200, ParzenTest: 300, NoFloor: true})
	if err != nil {
		t.Fatal(err)
	}
	half, err := r500.Evaluate(ctx, be, real)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(half.FrechetDistance-re.FrechetDistanceFloorN) > 1e-9*half.FrechetDistance || half.FrechetFloorN != 0 {
		t.Errorf("Frechet distance of the first 500 samples %v (floor n %d) in the 1,000-sample report, %v in a 500-sample evaluation (floor n %d, want 0)",
			re.FrechetDistanceFloorN, re.FrechetFloorN, half.FrechetDistance, half.FrechetFloorN)
	}
	if !(re.FrechetDistanceFloorN > re.FrechetDistance) {
		t.Errorf("Frechet distance of real digits: %.3f on 500, %.3f on 1,000; want the smaller sample further away", re.FrechetDistanceFloorN, re.FrechetDistance)
	}
	// Extrapolated to infinitely many samples, real digits come closer
	// still; so do the held-out digits of the floor.
	if !(re.FrechetDistanceInf > 0 && re.FrechetDistanceInf < re.FrechetDistance) {
		t.Errorf("Frechet distance of real digits at infinity %.3f, on 1,000 %.3f: want it positive and smaller", re.FrechetDistanceInf, re.FrechetDistance)
	}
	if re.Floor != nil && !(re.Floor.FrechetDistanceInf > 0 && re.Floor.FrechetDistanceInf < re.Floor.FrechetDistance) {
		t.Errorf("floor: Frechet distance at infinity %.3f, on %d digits %.3f: want it positive and smaller", re.Floor.FrechetDistanceInf, re.Floor.NSamples, re.Floor.FrechetDistance)
	}
	if re.ParzenStdError <= 0 {
		t.Errorf("Parzen standard error %v, want positive", re.ParzenStdError)
	}
	f := re.Floor
	if f == nil {
		t.Fatal("no real-data floor in the report")
	}
	if f.NSamples != 500 || f.ParzenCentres != 2800 || f.ModesCovered != 10 || f.ClassifierScore < 4 {
		t.Errorf("floor: %d samples (want 500), %d centres (want 2800), %d modes (want 10), score %.3f (want > 4)", f.NSamples, f.ParzenCentres, f.ModesCovered, f.ClassifierScore)
	}
	// The floor is computed once and shared.
	if co.Floor == nil || *co.Floor != *f {
		t.Errorf("floor differs between reports: %+v vs %+v", co.Floor, f)
	}
}

func TestReportJSONAndString(t *testing.T) {
	rep := Report{
		NSamples: 10000, ClassifierScore: 9.1, FrechetDistance: 2.5, ModesCovered: 10, ClassKL: 0.01,
		ClassHistogram: make([]int, 10), ParzenLogLikelihood: 230.5, ParzenStdError: 2.1, ParzenSigma: 0.17,
		Floor: &Floor{NSamples: 1000, ClassifierScore: 9.6, ParzenLogLikelihood: 240},
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"classifier_score", "frechet_distance", "modes_covered", "class_kl", "parzen_log_likelihood",
		"parzen_std_error", "n_samples", "real_classifier_score", "real_frechet_distance", "real_modes_covered",
		"real_class_kl", "real_parzen_log_likelihood", "real_parzen_std_error", "real_n_samples", "feature_layer"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["n_samples"] != 10000.0 || m["real_classifier_score"] != 9.6 {
		t.Errorf("JSON n_samples %v, real_classifier_score %v; want 10000 and 9.6", m["n_samples"], m["real_classifier_score"])
	}
	rep.Floor = nil
	b, _ = json.Marshal(rep)
	if strings.Contains(string(b), "real_") {
		t.Errorf("report without floor has real_ fields: %s", b)
	}
	s := Report{NSamples: 10000, ParzenLogLikelihood: 230.5, ParzenStdError: 2.1, ModesCovered: 9}.String()
	for _, want := range []string{"10000 generated samples", "230.5 ± 2.1", "9/10"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
}

func TestEvaluateBadInput(t *testing.T) {
	r, be := reference(t)
	ctx := context.Background()
	all, _ := digits()
	if _, err := r.Evaluate(ctx, be, all[0].Slice(0, 999)); err == nil || !strings.Contains(err.Error(), "999") {
		t.Errorf("999 samples for 1000: err %v, want one naming the count", err)
	}
	small := Images{Pix: make([]float32, 1000*100), N: 1000, D: 100}
	if _, err := r.Evaluate(ctx, be, small); err == nil {
		t.Error("images of 100 pixels: no error")
	}
	if _, err := FromFloats([]float32{0, 1.5}, 1, 2); err == nil {
		t.Error("pixel 1.5: no error")
	}
	if _, err := NewReference(ctx, be, r.clf, all[0].Slice(0, 100), all[1], Options{}); err == nil {
		t.Error("100 training digits with 1,000 validation digits: no error")
	}
}

// NoParzen leaves every other figure as it was and says Parzen was skipped.
func TestEvaluateWithoutParzen(t *testing.T) {
	r, be := reference(t)
	ctx := context.Background()
	all, _ := digits()
	real := all[0].Slice(5000, 6000)
	full, err := r.Evaluate(ctx, be, real)
	if err != nil {
		t.Fatal(err)
	}
	opts := r.Options()
	opts.NoParzen = true
	quick, err := NewReference(ctx, be, r.clf, r.train, r.test, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := quick.Evaluate(ctx, be, real)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ClassifierScore != full.ClassifierScore || rep.FrechetDistance != full.FrechetDistance || rep.FrechetDistanceInf != full.FrechetDistanceInf || rep.ModesCovered != full.ModesCovered {
		t.Errorf("without Parzen: score %v, Frechet %v, FID∞ %v, modes %d; with it %v, %v, %v, %d: want the same",
			rep.ClassifierScore, rep.FrechetDistance, rep.FrechetDistanceInf, rep.ModesCovered, full.ClassifierScore, full.FrechetDistance, full.FrechetDistanceInf, full.ModesCovered)
	}
	if rep.Floor == nil || rep.Floor.ClassifierScore != full.Floor.ClassifierScore || rep.Floor.FrechetDistance != full.Floor.FrechetDistance {
		t.Errorf("floor without Parzen %+v, with it %+v: want the same score and distance", rep.Floor, full.Floor)
	}
	if full.ParzenTest == 0 || rep.ParzenTest != 0 || rep.ParzenLogLikelihood != 0 || rep.Floor.ParzenCentres != 0 || rep.Floor.ParzenLogLikelihood != 0 {
		t.Errorf("Parzen: %d test digits and %v nats without it (floor: %d centres, %v nats); want all zero", rep.ParzenTest, rep.ParzenLogLikelihood, rep.Floor.ParzenCentres, rep.Floor.ParzenLogLikelihood)
	}
	s := rep.String()
	if !strings.Contains(s, "Parzen log-likelihood: not computed") || strings.Contains(s, "Parzen log-likelihood (nats)") {
		t.Errorf("report without Parzen:\n%s", s)
	}
	if !strings.Contains(full.String(), "Parzen log-likelihood (nats)") {
		t.Errorf("full report lacks the Parzen row:\n%s", full.String())
	}
}

// Samples that contain the Parzen validation digits themselves get the
// smallest bandwidth and a poorer Parzen estimate than as many other
// training digits: why ParzenValidationIndices exists.
func TestParzenValidationDigitsAsSamples(t *testing.T) {
	r, be := reference(t)
	ctx := context.Background()
	valid := r.ParzenValidationIndices()
	if len(valid) != 200 {
		t.Fatalf("%d validation indices, want 200", len(valid))
	}
	inValid := make(map[int]bool)
	for k, i := range valid {
		if i < 0 || i >= r.train.N || (k > 0 && i <= valid[k-1]) {
			t.Fatalf("validation indices %v: want increasing indices of the %d training digits", valid, r.train.N)
		}
		inValid[i] = true
	}
	pick := func(withValid bool) Images {
		var pix []float32
		if withValid {
			for _, i := range valid {
				pix = append(pix, r.train.Pix[i*784:(i+1)*784]...)
			}
		}
		for i := 0; len(pix) < 1000*784; i++ {
			if !inValid[i] {
				pix = append(pix, r.train.Pix[i*784:(i+1)*784]...)
			}
		}
		im, err := FromFloats(pix, 1000, 784)
		if err != nil {
			t.Fatal(err)
		}
		return im
	}
	clean, err := r.Evaluate(ctx, be, pick(false))
	if err != nil {
		t.Fatal(err)
	}
	leaky, err := r.Evaluate(ctx, be, pick(true))
	if err != nil {
		t.Fatal(err)
	}
	smallest := ParzenSigmas()[0]
	if leaky.ParzenSigma != smallest || clean.ParzenSigma == smallest {
		t.Errorf("sigma %v with the validation digits among the samples, %v without; want the smallest (%v) only with them", leaky.ParzenSigma, clean.ParzenSigma, smallest)
	}
	if !(leaky.ParzenLogLikelihood < clean.ParzenLogLikelihood) {
		t.Errorf("Parzen %v with the validation digits among the samples, %v without; want it lower with them", leaky.ParzenLogLikelihood, clean.ParzenLogLikelihood)
	}
}
