package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var testInfo = Info{Device: "cpu", Preset: "tiny", RunID: "run-1", Version: "v0.1.0"}

func newTest(t *testing.T) (*prometheus.Registry, *Metrics) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := New(reg, testInfo)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return reg, m
}

// wantAll is the whole exposition after the calls in TestExpositionWholeSet,
// written from the metric definitions: a resume at step 100 with 6400
// examples, one report at step 110 with 7680 examples, three phase timings
// (step 3 ms, discriminator 0.8 ms, generator 2 ms), one 250 ms checkpoint,
// two non-finite values, a target of 1000 steps, and two evaluations.
const wantAll = `
# HELP gan_train_checkpoint_duration_seconds Time taken to write a checkpoint.
# TYPE gan_train_checkpoint_duration_seconds histogram
gan_train_checkpoint_duration_seconds_bucket{le="0.001"} 0
gan_train_checkpoint_duration_seconds_bucket{le="0.005"} 0
gan_train_checkpoint_duration_seconds_bucket{le="0.01"} 0
gan_train_checkpoint_duration_seconds_bucket{le="0.05"} 0
gan_train_checkpoint_duration_seconds_bucket{le="0.1"} 0
gan_train_checkpoint_duration_seconds_bucket{le="0.5"} 1
gan_train_checkpoint_duration_seconds_bucket{le="1"} 1
gan_train_checkpoint_duration_seconds_bucket{le="5"} 1
gan_train_checkpoint_duration_seconds_bucket{le="10"} 1
gan_train_checkpoint_duration_seconds_bucket{le="30"} 1
gan_train_checkpoint_duration_seconds_bucket{le="60"} 1
gan_train_checkpoint_duration_seconds_bucket{le="+Inf"} 1
gan_train_checkpoint_duration_seconds_sum 0.25
gan_train_checkpoint_duration_seconds_count 1
# HELP gan_train_checkpoints_total Checkpoints written by this process.
# TYPE gan_train_checkpoints_total counter
gan_train_checkpoints_total 1
# HELP gan_train_data_epoch Passes over the training data started so far.
# TYPE gan_train_data_epoch gauge
gan_train_data_epoch 2
# HELP gan_train_discriminator_fake_output Mean discriminator output D(G(z)) on the last generated batch (1/2 at equilibrium).
# TYPE gan_train_discriminator_fake_output gauge
gan_train_discriminator_fake_output 0.47
# HELP gan_train_discriminator_loss Discriminator loss of the last reported step.
# TYPE gan_train_discriminator_loss gauge
gan_train_discriminator_loss 0.69
# HELP gan_train_discriminator_real_output Mean discriminator output D(x) on the last real batch (1/2 at equilibrium).
# TYPE gan_train_discriminator_real_output gauge
gan_train_discriminator_real_output 0.52
# HELP gan_train_divergence_rollbacks_total Divergences undone by restoring the last checkpoint with halved learning rates (--on-divergence rollback).
# TYPE gan_train_divergence_rollbacks_total counter
gan_train_divergence_rollbacks_total 1
# HELP gan_train_eval_classifier_score Classifier score of generated samples at the last evaluation (higher is better).
# TYPE gan_train_eval_classifier_score gauge
gan_train_eval_classifier_score 8.5
# HELP gan_train_eval_modes_covered Number of classes found among generated samples at the last evaluation.
# TYPE gan_train_eval_modes_covered gauge
gan_train_eval_modes_covered 9
# HELP gan_train_generator_loss Generator loss of the last reported step.
# TYPE gan_train_generator_loss gauge
gan_train_generator_loss 0.72
# HELP gan_train_gradient_norm L2 norm of each network's gradient at the last reported step.
# TYPE gan_train_gradient_norm gauge
gan_train_gradient_norm{network="discriminator"} 1.5
gan_train_gradient_norm{network="generator"} 0.25
# HELP gan_train_info Information about the run; always 1.
# TYPE gan_train_info gauge
gan_train_info{device="cpu",preset="tiny",run_id="run-1",version="v0.1.0"} 1
# HELP gan_train_last_checkpoint_timestamp_seconds Unix time at which the last checkpoint was written.
# TYPE gan_train_last_checkpoint_timestamp_seconds gauge
gan_train_last_checkpoint_timestamp_seconds 1700000100
# HELP gan_train_last_step Number of the last completed training step, counted over the whole run including resumes.
# TYPE gan_train_last_step gauge
gan_train_last_step 110
# HELP gan_train_last_step_timestamp_seconds Unix time at which the last reported step completed.
# TYPE gan_train_last_step_timestamp_seconds gauge
gan_train_last_step_timestamp_seconds 1700000000.5
# HELP gan_train_learning_rate Current learning rate of each network's optimizer.
# TYPE gan_train_learning_rate gauge
gan_train_learning_rate{network="discriminator"} 0.0005
gan_train_learning_rate{network="generator"} 0.0001
# HELP gan_train_nonfinite_total Non-finite (NaN or infinite) losses or gradients detected.
# TYPE gan_train_nonfinite_total counter
gan_train_nonfinite_total 2
# HELP gan_train_samples_total Real training examples consumed by this process.
# TYPE gan_train_samples_total counter
gan_train_samples_total 1280
# HELP gan_train_step_duration_seconds Wall time of a training step (phase=step) and of its discriminator and generator parts.
# TYPE gan_train_step_duration_seconds histogram
gan_train_step_duration_seconds_bucket{phase="discriminator",le="5e-05"} 0
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.0001"} 0
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.00025"} 0
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.0005"} 0
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.001"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.0025"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.005"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.01"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.025"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.05"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.1"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.25"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="0.5"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="1"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="2.5"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="5"} 1
gan_train_step_duration_seconds_bucket{phase="discriminator",le="+Inf"} 1
gan_train_step_duration_seconds_sum{phase="discriminator"} 0.0008
gan_train_step_duration_seconds_count{phase="discriminator"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="5e-05"} 0
gan_train_step_duration_seconds_bucket{phase="generator",le="0.0001"} 0
gan_train_step_duration_seconds_bucket{phase="generator",le="0.00025"} 0
gan_train_step_duration_seconds_bucket{phase="generator",le="0.0005"} 0
gan_train_step_duration_seconds_bucket{phase="generator",le="0.001"} 0
gan_train_step_duration_seconds_bucket{phase="generator",le="0.0025"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.005"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.01"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.025"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.05"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.1"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.25"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="0.5"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="1"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="2.5"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="5"} 1
gan_train_step_duration_seconds_bucket{phase="generator",le="+Inf"} 1
gan_train_step_duration_seconds_sum{phase="generator"} 0.002
gan_train_step_duration_seconds_count{phase="generator"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="5e-05"} 0
gan_train_step_duration_seconds_bucket{phase="step",le="0.0001"} 0
gan_train_step_duration_seconds_bucket{phase="step",le="0.00025"} 0
gan_train_step_duration_seconds_bucket{phase="step",le="0.0005"} 0
gan_train_step_duration_seconds_bucket{phase="step",le="0.001"} 0
gan_train_step_duration_seconds_bucket{phase="step",le="0.0025"} 0
gan_train_step_duration_seconds_bucket{phase="step",le="0.005"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="0.01"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="0.025"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="0.05"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="0.1"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="0.25"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="0.5"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="1"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="2.5"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="5"} 1
gan_train_step_duration_seconds_bucket{phase="step",le="+Inf"} 1
gan_train_step_duration_seconds_sum{phase="step"} 0.003
gan_train_step_duration_seconds_count{phase="step"} 1
# HELP gan_train_steps_total Training steps completed by this process.
# TYPE gan_train_steps_total counter
gan_train_steps_total 10
# HELP gan_train_target_steps Step number at which the run ends.
# TYPE gan_train_target_steps gauge
gan_train_target_steps 1000
`

func TestExpositionWholeSet(t *testing.T) {
	reg, m := newTest(t)
	m.SetTargetSteps(1000)
	m.Resume(100, 6400)
	m.Report(Snapshot{
		Step: 110, Samples: 7680, Epoch: 2,
		DiscriminatorLoss: 0.69, GeneratorLoss: 0.72,
		RealOutput: 0.52, FakeOutput: 0.47,
		DiscriminatorGradientNorm: 1.5, GeneratorGradientNorm: 0.25,
		DiscriminatorLearningRate: 0.0005, GeneratorLearningRate: 0.0001,
		Time: time.Unix(1700000000, 500_000_000),
	})
	for _, o := range []struct {
		p Phase
		d time.Duration
	}{
		{PhaseStep, 3 * time.Millisecond},
		{PhaseDiscriminator, 800 * time.Microsecond},
		{PhaseGenerator, 2 * time.Millisecond},
	} {
		if err := m.ObserveStep(o.p, o.d); err != nil {
			t.Fatalf("ObserveStep(%q, %v): %v", o.p, o.d, err)
		}
	}
	m.Checkpoint(250*time.Millisecond, time.Unix(1700000100, 0))
	m.NonFinite(2)
	m.NonFinite(0)
	m.NonFinite(-3)
	m.Rollback(0.0005, 0.0001) // the rates Report set, halved by the caller already
	if err := m.SetEval(EvalClassifierScore, 8.5); err != nil {
		t.Fatalf("SetEval: %v", err)
	}
	if err := m.SetEval(EvalModesCovered, 9); err != nil {
		t.Fatalf("SetEval: %v", err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantAll)); err != nil {
		t.Errorf("exposition differs from the hand-written one:\n%v", err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestFreshMetricsHaveNoEvalGauges(t *testing.T) {
	reg, _ := newTest(t)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var names []string
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "gan_train_eval_") {
			names = append(names, mf.GetName())
		}
	}
	if len(names) != 0 {
		t.Errorf("fresh metrics export eval gauges %v, want none before SetEval", names)
	}
	// Every other family is there from the start, so dashboards see series
	// before the first step: the 21 families of wantAll less the 2 eval ones.
	if got, want := len(mfs), 19; got != want {
		var all []string
		for _, mf := range mfs {
			all = append(all, mf.GetName())
		}
		t.Errorf("fresh registry has %d families %v, want %d", got, all, want)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestCountersFollowAbsoluteSteps(t *testing.T) {
	_, m := newTest(t)
	steps := []struct {
		step, samples        int64
		wantSteps, wantSamps float64
	}{
		{1, 64, 1, 64},
		{5, 320, 5, 320},
		{5, 320, 5, 320}, // same step twice counts nothing
		{3, 192, 5, 320}, // a decrease counts nothing and becomes the base
		{4, 256, 6, 384}, // counting resumes from the new base
		{100, 6400, 102, 6528},
	}
	for i, s := range steps {
		m.Report(Snapshot{Step: s.step, Samples: s.samples})
		if got := testutil.ToFloat64(m.steps); got != s.wantSteps {
			t.Errorf("report %d (step %d): steps_total = %v, want %v", i, s.step, got, s.wantSteps)
		}
		if got := testutil.ToFloat64(m.samples); got != s.wantSamps {
			t.Errorf("report %d (step %d): samples_total = %v, want %v", i, s.step, got, s.wantSamps)
		}
		if got := testutil.ToFloat64(m.lastStep); got != float64(s.step) {
			t.Errorf("report %d: last_step = %v, want %v", i, got, s.step)
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := New(nil, testInfo); err == nil {
		t.Error("New(nil, ...) returned no error")
	}
	reg, m := newTest(t)
	if _, err := New(reg, testInfo); err == nil {
		t.Error("second New on the same registry returned no error, want a duplicate registration error")
	}
	if err := m.ObserveStep("forward", time.Millisecond); err == nil || !strings.Contains(err.Error(), "forward") {
		t.Errorf("ObserveStep(\"forward\") error = %v, want one naming the phase", err)
	}
	for _, e := range []Eval{-1, numEval, 99} {
		if err := m.SetEval(e, 1); err == nil {
			t.Errorf("SetEval(%d) returned no error", int(e))
		}
	}
	bad := Info{Device: "cpu", RunID: "\xff\xfe"}
	if _, err := New(prometheus.NewRegistry(), bad); err == nil {
		t.Errorf("New with a non-UTF-8 run id returned no error")
	}
}

func TestEvalString(t *testing.T) {
	for _, c := range []struct {
		e    Eval
		want string
	}{
		{EvalClassifierScore, "eval_classifier_score"},
		{EvalFrechetDistance, "eval_frechet_distance"},
		{EvalModesCovered, "eval_modes_covered"},
		{EvalClassKLDivergence, "eval_class_kl_divergence"},
		{EvalParzenLogLikelihood, "eval_parzen_log_likelihood"},
		{numEval, "Eval(5)"},
	} {
		if got := c.e.String(); got != c.want {
			t.Errorf("Eval(%d).String() = %q, want %q", int(c.e), got, c.want)
		}
	}
}

func TestNewRegistryHasRuntimeCollectors(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	if _, err := New(reg, testInfo); err != nil {
		t.Fatalf("New: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	have := map[string]bool{}
	for _, mf := range mfs {
		have[mf.GetName()] = true
	}
	for _, n := range []string{"go_goroutines", "process_cpu_seconds_total", "gan_train_info"} {
		if !have[n] {
			t.Errorf("registry from NewRegistry lacks %s", n)
		}
	}
}
