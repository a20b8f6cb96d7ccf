package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gan-train/internal/cpu"
	"gan-train/internal/eval"
	"gan-train/internal/metrics"
	"gan-train/train"
)

// evaluator runs sample evaluations during training on its own goroutine
// and CPU backend, so that training never waits for them. One evaluation
// runs at a time; a request that arrives while one is running waits in a
// single slot, where a newer request replaces it (the last step of a run is
// always evaluated).
type evaluator struct {
	ctx      context.Context
	dataSpec string
	cacheDir string
	n        int
	noParzen bool // skip the Parzen estimate, the slowest metric
	m        *metrics.Metrics
	log      *slog.Logger
	records  chan train.Record

	mu      sync.Mutex
	busy    bool
	pending *job
	last    *eval.Report // the latest evaluation, real-data floor included
	wg      sync.WaitGroup

	refOnce sync.Once
	ref     *eval.Reference // nil when it could not be prepared
}

type job struct {
	step    int64
	samples []float32
}

func newEvaluator(ctx context.Context, dataSpec, cacheDir string, n int, noParzen bool, m *metrics.Metrics, log *slog.Logger) *evaluator {
	return &evaluator{ctx: ctx, dataSpec: dataSpec, cacheDir: cacheDir, n: n, noParzen: noParzen, m: m, log: log, records: make(chan train.Record, 64)}
}

// submit starts evaluating samples drawn at step, unless one is running.
func (e *evaluator) submit(step int64, samples []float32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.busy {
		if e.pending != nil {
			e.log.Info("skipping an evaluation: a newer one replaces it", "step", e.pending.step)
		}
		e.pending = &job{step, samples}
		return
	}
	e.busy = true
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		j := &job{step, samples}
		for j != nil {
			e.run(j.step, j.samples)
			e.mu.Lock()
			j, e.pending = e.pending, nil
			if j == nil {
				e.busy = false
			}
			e.mu.Unlock()
		}
	}()
}

// reference prepares the reference (loading or training the digit
// classifier) the first time. It returns nil when the reference cannot be
// prepared.
func (e *evaluator) reference(be *cpu.Backend) *eval.Reference {
	e.refOnce.Do(func() {
		ref, err := prepareReference(e.ctx, be, e.dataSpec, e.cacheDir, eval.Options{Samples: e.n, NoParzen: e.noParzen}, e.log)
		if err != nil {
			e.log.Error("evaluation disabled: cannot prepare the reference", "err", err)
			return
		}
		e.ref = ref
	})
	return e.ref
}

// latest is the latest evaluation, nil before the first.
func (e *evaluator) latest() *eval.Report {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

func (e *evaluator) run(step int64, samples []float32) {
	be := cpu.New(cpu.Options{Workers: 1}) // one core for evaluation, the rest for training
	defer be.Close()
	ref := e.reference(be)
	if ref == nil {
		return
	}
	start := time.Now()
	rep, err := ref.Evaluate(e.ctx, be, eval.Images{Pix: samples, N: len(samples) / train.ImageSize, D: train.ImageSize})
	if err != nil {
		e.log.Error("evaluation failed", "step", step, "err", err)
		return
	}
	e.m.SetEval(metrics.EvalClassifierScore, rep.ClassifierScore)
	e.m.SetEval(metrics.EvalFrechetDistance, rep.FrechetDistance)
	e.m.SetEval(metrics.EvalModesCovered, float64(rep.ModesCovered))
	e.m.SetEval(metrics.EvalClassKLDivergence, rep.ClassKL)
	attrs := []any{"step", step, "classifier_score", rep.ClassifierScore, "frechet_distance", rep.FrechetDistance, "modes_covered", rep.ModesCovered}
	if !e.noParzen { // a skipped estimate leaves its gauge out of /metrics
		e.m.SetEval(metrics.EvalParzenLogLikelihood, rep.ParzenLogLikelihood)
		attrs = append(attrs, "parzen_log_likelihood", rep.ParzenLogLikelihood)
	}
	e.log.Info("evaluation", append(attrs, "seconds", time.Since(start).Seconds())...)
	full := rep
	e.mu.Lock()
	e.last = &full
	e.mu.Unlock()
	rep.Floor = nil // the real-data floor does not change during a run
	select {
	case e.records <- train.Record{Step: step, Fields: map[string]any{"eval": rep}}:
	default:
		e.log.Warn("metrics.jsonl record queue full; dropping an evaluation line", "step", step)
	}
}

// wait blocks until the running evaluation, if any, has finished.
func (e *evaluator) wait() { e.wg.Wait() }
