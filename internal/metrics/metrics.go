package metrics

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// namespace prefixes every metric this package defines.
const namespace = "gan_train"

// Phase names the part of a training step that a duration belongs to; it is
// the value of the phase label of gan_train_step_duration_seconds.
type Phase string

// The phases a step is timed in.
const (
	// PhaseStep is the whole step: discriminator and generator updates.
	PhaseStep Phase = "step"
	// PhaseDiscriminator is the discriminator update(s) of a step.
	PhaseDiscriminator Phase = "discriminator"
	// PhaseGenerator is the generator update of a step.
	PhaseGenerator Phase = "generator"
)

// Network values of the network label.
const (
	networkDiscriminator = "discriminator"
	networkGenerator     = "generator"
)

// stepBuckets are the upper bounds, in seconds, of the step-duration
// histogram: 50 µs (a fused GPU step) to 5 s (a large CPU step), in a
// 1-2.5-5 progression.
var stepBuckets = []float64{
	50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3,
	10e-3, 25e-3, 50e-3,
	100e-3, 250e-3, 500e-3,
	1, 2.5, 5,
}

// checkpointBuckets are the upper bounds, in seconds, of the checkpoint
// duration histogram: a few milliseconds for a small model on a local disk
// to a minute for a slow network volume.
var checkpointBuckets = []float64{
	1e-3, 5e-3, 10e-3, 50e-3, 100e-3, 500e-3, 1, 5, 10, 30, 60,
}

// Info describes the run; it becomes the labels of gan_train_info.
type Info struct {
	Device  string // e.g. "cpu" or "cuda:0 NVIDIA H100"
	Preset  string // model preset name, e.g. "edward" or "tiny"
	RunID   string // unique id of this run
	Version string // gan-train version
}

// Snapshot is the state of training after a step, as the trainer reports
// it. Step and Samples are absolute (a resumed run continues counting);
// the counters advance by the difference from the previous Report.
type Snapshot struct {
	Step    int64 // number of the last completed step, counted from 1
	Samples int64 // real examples consumed since the run began
	Epoch   int64 // passes over the training data started so far

	DiscriminatorLoss float64
	GeneratorLoss     float64
	RealOutput        float64 // mean D(x) over the last real batch
	FakeOutput        float64 // mean D(G(z)) over the last fake batch

	DiscriminatorGradientNorm float64 // L2 norm of the last D gradient
	GeneratorGradientNorm     float64 // L2 norm of the last G gradient
	DiscriminatorLearningRate float64
	GeneratorLearningRate     float64

	Time time.Time // when the step ended; the zero value means now
}

// Metrics holds every gan-train metric. Its methods are safe for
// concurrent use: the trainer reports while the HTTP server gathers.
type Metrics struct {
	discriminatorLoss prometheus.Gauge
	generatorLoss     prometheus.Gauge
	realOutput        prometheus.Gauge
	fakeOutput        prometheus.Gauge
	steps             prometheus.Counter
	samples           prometheus.Counter
	lastStep          prometheus.Gauge
	targetSteps       prometheus.Gauge
	stepDuration      map[Phase]prometheus.Observer
	learningRate      *prometheus.GaugeVec
	gradientNorm      *prometheus.GaugeVec
	nonFinite         prometheus.Counter
	rollbacks         prometheus.Counter
	lastStepTime      prometheus.Gauge
	checkpointTime    prometheus.Histogram
	checkpoints       prometheus.Counter
	lastCheckpoint    prometheus.Gauge
	epoch             prometheus.Gauge
	info              prometheus.Gauge
	eval              *evalCollector

	mu          sync.Mutex
	baseStep    int64 // Step of the previous Report (or of Resume)
	baseSamples int64 // Samples of the previous Report (or of Resume)
}

// NewRegistry returns a registry with the Go runtime and process collectors
// registered, ready for New and for an HTTP handler.
func NewRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("registering Go collector: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("registering process collector: %w", err)
	}
	return reg, nil
}

// New creates the gan-train metrics and registers them with reg. The info
// gauge is set to 1 at once; every other gauge starts at 0 until the first
// Report, and the evaluation gauges are absent until SetEval.
func New(reg prometheus.Registerer, info Info) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("metrics: nil Registerer")
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	}
	m := &Metrics{
		discriminatorLoss: gauge("discriminator_loss", "Discriminator loss of the last reported step."),
		generatorLoss:     gauge("generator_loss", "Generator loss of the last reported step."),
		realOutput:        gauge("discriminator_real_output", "Mean discriminator output D(x) on the last real batch (1/2 at equilibrium)."),
		fakeOutput:        gauge("discriminator_fake_output", "Mean discriminator output D(G(z)) on the last generated batch (1/2 at equilibrium)."),
		steps:             counter("steps_total", "Training steps completed by this process."),
		samples:           counter("samples_total", "Real training examples consumed by this process."),
		lastStep:          gauge("last_step", "Number of the last completed training step, counted over the whole run including resumes."),
		targetSteps:       gauge("target_steps", "Step number at which the run ends."),
		learningRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "learning_rate", Help: "Current learning rate of each network's optimizer.",
		}, []string{"network"}),
		gradientNorm: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "gradient_norm", Help: "L2 norm of each network's gradient at the last reported step.",
		}, []string{"network"}),
		nonFinite:    counter("nonfinite_total", "Non-finite (NaN or infinite) losses or gradients detected."),
		rollbacks:    counter("divergence_rollbacks_total", "Divergences undone by restoring the last checkpoint with halved learning rates (--on-divergence rollback)."),
		lastStepTime: gauge("last_step_timestamp_seconds", "Unix time at which the last reported step completed."),
		checkpointTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "checkpoint_duration_seconds", Help: "Time taken to write a checkpoint.",
			Buckets: checkpointBuckets,
		}),
		checkpoints:    counter("checkpoints_total", "Checkpoints written by this process."),
		lastCheckpoint: gauge("last_checkpoint_timestamp_seconds", "Unix time at which the last checkpoint was written."),
		epoch:          gauge("data_epoch", "Passes over the training data started so far."),
		info: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "info", Help: "Information about the run; always 1.",
			ConstLabels: prometheus.Labels{"device": info.Device, "preset": info.Preset, "run_id": info.RunID, "version": info.Version},
		}),
		eval: newEvalCollector(),
	}
	stepDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "step_duration_seconds",
		Help:    "Wall time of a training step (phase=step) and of its discriminator and generator parts.",
		Buckets: stepBuckets,
	}, []string{"phase"})
	m.stepDuration = make(map[Phase]prometheus.Observer, 3)
	for _, p := range []Phase{PhaseStep, PhaseDiscriminator, PhaseGenerator} {
		// Creating the children now makes all three series visible (at
		// zero) from the first scrape, so queries never see them appear.
		m.stepDuration[p] = stepDuration.WithLabelValues(string(p))
	}
	for _, n := range []string{networkDiscriminator, networkGenerator} {
		m.learningRate.WithLabelValues(n)
		m.gradientNorm.WithLabelValues(n)
	}
	m.info.Set(1)

	for _, c := range []prometheus.Collector{
		m.discriminatorLoss, m.generatorLoss, m.realOutput, m.fakeOutput,
		m.steps, m.samples, m.lastStep, m.targetSteps, stepDuration,
		m.learningRate, m.gradientNorm, m.nonFinite, m.rollbacks, m.lastStepTime,
		m.checkpointTime, m.checkpoints, m.lastCheckpoint, m.epoch, m.info, m.eval,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: registering gan-train collectors: %w", err)
		}
	}
	return m, nil
}

// Resume tells the metrics that a run restored from a checkpoint continues
// after step and samples, so that the next Report counts only the steps
// and examples done since. It also sets gan_train_last_step.
func (m *Metrics) Resume(step, samples int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.baseStep, m.baseSamples = step, samples
	m.lastStep.Set(float64(step))
}

// SetTargetSteps records the step at which the run ends.
func (m *Metrics) SetTargetSteps(steps int64) {
	m.targetSteps.Set(float64(steps))
}

// Report records the state after a step. The step and sample counters
// advance by the increase of s.Step and s.Samples since the previous
// Report (or Resume); a decrease (which a correct trainer never reports)
// advances nothing and becomes the new base.
func (m *Metrics) Report(s Snapshot) {
	m.mu.Lock()
	if d := s.Step - m.baseStep; d > 0 {
		m.steps.Add(float64(d))
	}
	if d := s.Samples - m.baseSamples; d > 0 {
		m.samples.Add(float64(d))
	}
	m.baseStep, m.baseSamples = s.Step, s.Samples
	m.mu.Unlock()

	m.lastStep.Set(float64(s.Step))
	m.epoch.Set(float64(s.Epoch))
	m.discriminatorLoss.Set(s.DiscriminatorLoss)
	m.generatorLoss.Set(s.GeneratorLoss)
	m.realOutput.Set(s.RealOutput)
	m.fakeOutput.Set(s.FakeOutput)
	m.gradientNorm.WithLabelValues(networkDiscriminator).Set(s.DiscriminatorGradientNorm)
	m.gradientNorm.WithLabelValues(networkGenerator).Set(s.GeneratorGradientNorm)
	m.learningRate.WithLabelValues(networkDiscriminator).Set(s.DiscriminatorLearningRate)
	m.learningRate.WithLabelValues(networkGenerator).Set(s.GeneratorLearningRate)
	t := s.Time
	if t.IsZero() {
		t = time.Now()
	}
	m.lastStepTime.Set(unixSeconds(t))
}

// ObserveStep records the duration of one phase of a step. An unknown
// phase is an error and records nothing.
func (m *Metrics) ObserveStep(phase Phase, d time.Duration) error {
	o, ok := m.stepDuration[phase]
	if !ok {
		return fmt.Errorf("metrics: unknown step phase %q (want %q, %q or %q)", phase, PhaseStep, PhaseDiscriminator, PhaseGenerator)
	}
	o.Observe(d.Seconds())
	return nil
}

// Rollback counts a divergence undone by a rollback to the last
// checkpoint, and sets the learning-rate gauges to the halved rates.
func (m *Metrics) Rollback(lrD, lrG float64) {
	m.rollbacks.Inc()
	m.learningRate.WithLabelValues("discriminator").Set(lrD)
	m.learningRate.WithLabelValues("generator").Set(lrG)
}

// NonFinite counts n newly detected non-finite losses or gradients;
// n <= 0 counts nothing.
func (m *Metrics) NonFinite(n int) {
	if n > 0 {
		m.nonFinite.Add(float64(n))
	}
}

// Checkpoint records a checkpoint that took d and completed at at.
func (m *Metrics) Checkpoint(d time.Duration, at time.Time) {
	m.checkpointTime.Observe(d.Seconds())
	m.checkpoints.Inc()
	m.lastCheckpoint.Set(unixSeconds(at))
}

// unixSeconds is t as fractional Unix seconds.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

// Eval names one sample-quality measure exported as a gan_train_eval_* gauge.
type Eval int

// The evaluation measures (see package eval for their definitions).
const (
	// EvalClassifierScore is the Inception-style score computed with the
	// project's digit classifier: exp(E[KL(p(y|x) || p(y))]).
	EvalClassifierScore Eval = iota
	// EvalFrechetDistance is the Frechet distance between classifier
	// features of real and generated samples.
	EvalFrechetDistance
	// EvalModesCovered is the number of classes (of 10) that the
	// classifier finds among generated samples.
	EvalModesCovered
	// EvalClassKLDivergence is KL(generated class histogram || uniform).
	EvalClassKLDivergence
	// EvalParzenLogLikelihood is the mean Parzen-window log-likelihood of
	// held-out data, in nats (Goodfellow et al. 2014, Table 1).
	EvalParzenLogLikelihood
	numEval
)

var evalNames = [numEval]struct{ name, help string }{
	{"eval_classifier_score", "Classifier score of generated samples at the last evaluation (higher is better)."},
	{"eval_frechet_distance", "Frechet distance between classifier features of real and generated samples at the last evaluation (lower is better)."},
	{"eval_modes_covered", "Number of classes found among generated samples at the last evaluation."},
	{"eval_class_kl_divergence", "KL divergence in nats of the generated class histogram from uniform at the last evaluation."},
	{"eval_parzen_log_likelihood", "Mean Parzen-window log-likelihood in nats of held-out data at the last evaluation."},
}

// String returns the metric name of e without the gan_train_ prefix.
func (e Eval) String() string {
	if e < 0 || e >= numEval {
		return fmt.Sprintf("Eval(%d)", int(e))
	}
	return evalNames[e].name
}

// SetEval records the value of one evaluation measure; from then on its
// gauge is exported. An unknown measure is an error.
func (m *Metrics) SetEval(e Eval, v float64) error {
	if e < 0 || e >= numEval {
		return fmt.Errorf("metrics: unknown evaluation measure %d", int(e))
	}
	m.eval.set(e, v)
	return nil
}

// evalCollector exports only the evaluation gauges that have been set.
type evalCollector struct {
	descs [numEval]*prometheus.Desc

	mu    sync.Mutex
	isSet [numEval]bool
	val   [numEval]float64
}

func newEvalCollector() *evalCollector {
	c := &evalCollector{}
	for i, n := range evalNames {
		c.descs[i] = prometheus.NewDesc(prometheus.BuildFQName(namespace, "", n.name), n.help, nil, nil)
	}
	return c
}

func (c *evalCollector) set(e Eval, v float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.isSet[e], c.val[e] = true, v
}

// Describe sends every evaluation Desc, set or not, so the registry checks
// them all for conflicts at registration.
func (c *evalCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect sends the gauges that have been set.
func (c *evalCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, d := range c.descs {
		if !c.isSet[i] {
			continue
		}
		m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, c.val[i])
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
}
