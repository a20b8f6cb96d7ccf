// Package loop is the step engine that every training loop of gan-train
// runs on: the GAN trainer (train.Trainer), each LAPGAN level and eval's
// digit classifier.
//
// A loop trains over a dataset in epochs, each in its own shuffled order
// (data.Permutation); one step consumes one or more batches of it. The
// engine owns what the loops share:
//
//   - the epoch, its order (on the host, and on the backend for gathers
//     there) and the position in it;
//   - the counters behind the step's random draws and Adam's bias
//     correction, which live on the backend so that a recorded step reads
//     the current ones when replayed;
//   - the statistics buffer the step writes its scalars into;
//   - recording the step once on a backend that can (model.Capturer) and
//     replaying it, recorded anew when what the step bakes in changes.
//
// What a step computes is the caller's: a Step prepares its batch on the
// host and enqueues its backend operations.
package loop

import (
	"errors"
	"fmt"
	"reflect"

	"gan-train/internal/data"
	"gan-train/model"
)

// Spec describes a loop.
type Spec struct {
	// Rows is the number of dataset rows, Batch the rows of one batch.
	Rows, Batch int
	// BatchesPerStep is the number of batches one step consumes (the GAN
	// trainer's k discriminator steps); 0 means 1.
	BatchesPerStep int
	// Tail ends each epoch with a shorter batch of the rows left over;
	// without it they sit out the epoch. A tail needs BatchesPerStep 1.
	Tail bool
	// Seed keys each epoch's order, data.Permutation(Rows, Seed, epoch).
	Seed uint64
	// OnDevice uploads each epoch's order into Engine.Order for gathers on
	// the backend (data.OnDevice.Gather, which reads Engine.Batch).
	OnDevice bool
	// Stats is the number of scalars in the statistics buffer.
	Stats int
	// Counters are the per-step increments of the step's own counters
	// (Adam's steps: k for a discriminator updated k times a step). The
	// step increments them; the engine sets them when it is put at a position.
	Counters []int
}

func (s Spec) validate() error {
	switch {
	case s.Rows <= 0 || s.Batch <= 0:
		return fmt.Errorf("loop: %d rows in batches of %d: both must be positive", s.Rows, s.Batch)
	case s.BatchesPerStep < 0:
		return fmt.Errorf("loop: %d batches a step: must not be negative", s.BatchesPerStep)
	case s.Tail && s.BatchesPerStep > 1:
		return fmt.Errorf("loop: an epoch's short last batch needs one batch a step, not %d", s.BatchesPerStep)
	case s.Rows < s.Batch*max(s.BatchesPerStep, 1):
		return fmt.Errorf("batch %d (times %d a step) is larger than the dataset (%d rows)", s.Batch, max(s.BatchesPerStep, 1), s.Rows)
	case s.Stats < 0:
		return fmt.Errorf("loop: %d statistics: must not be negative", s.Stats)
	}
	return nil
}

// Batch says which rows the next step takes.
type Batch struct {
	// Epoch is the step's epoch and Index the epoch's batch it starts at.
	Epoch, Index int64
	// Rows are the dataset rows of the step's batches, in order: Batch
	// rows per batch, fewer in an epoch's tail. They are the engine's; a
	// step must not keep or change them.
	Rows []int
}

// A Step is what one iteration of a loop does.
type Step interface {
	// Prepare readies the step for b on the host, before any of its
	// backend operations: uploads a recording cannot hold, values that
	// change from step to step. It returns the step's key: the values its
	// enqueued operations bake in (learning rates), compared with == to
	// pick the recording to replay, nil when nothing is baked in.
	Prepare(b Batch) (key any, err error)
	// Enqueue enqueues the step's backend operations for batches of rows
	// rows. It must do the same whatever the state, for it may be
	// recorded once and replayed.
	Enqueue(rows int)
}

// maxRecordings bounds the recordings an engine keeps: the classifier's
// steps alternate between a full batch and an epoch's tail, and a new
// learning rate makes the old ones useless.
const maxRecordings = 2

// recordingKey identifies a recording: the step's key and its rows.
type recordingKey struct {
	key  any
	rows int
}

// Engine runs a loop's steps on a backend.
type Engine struct {
	be   model.Backend
	spec Spec
	mem  *model.Arena

	// Order is the epoch's order on the backend, Rows values (OnDevice
	// only); Batch counts the batches of the epoch taken so far, for
	// gathers (the step increments it as it takes each); Noise is the
	// step number, which random draws use as their counter (the engine
	// increments it after each step).
	Order, Batch, Noise model.Buf
	// Stats is the statistics buffer, Spec.Stats values.
	Stats model.Buf
	// Counters are the step's own counters, one per Spec.Counters.
	Counters []model.Buf

	order                []int
	step, epoch, inEpoch int64
	recordings           map[recordingKey]model.Replay
}

// New allocates an engine's buffers on be and starts epoch 0.
func New(be model.Backend, spec Spec) (*Engine, error) {
	if be == nil {
		return nil, errors.New("loop: no backend")
	}
	if err := spec.validate(); err != nil {
		return nil, err
	}
	spec.BatchesPerStep = max(spec.BatchesPerStep, 1)
	e := &Engine{be: be, spec: spec, mem: model.NewArena(be), Counters: make([]model.Buf, len(spec.Counters))}
	reqs := []model.Request{{Dst: &e.Batch, N: 1}, {Dst: &e.Noise, N: 1}}
	if spec.OnDevice {
		reqs = append(reqs, model.Request{Dst: &e.Order, N: spec.Rows})
	}
	if spec.Stats > 0 {
		reqs = append(reqs, model.Request{Dst: &e.Stats, N: spec.Stats})
	}
	for i := range e.Counters {
		reqs = append(reqs, model.Request{Dst: &e.Counters[i], N: 1})
	}
	if err := e.mem.AllocAll(reqs...); err != nil {
		e.mem.Free()
		return nil, fmt.Errorf("loop: %w", err)
	}
	if err := e.SetPosition(0, 0, 0); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close frees the engine's recordings and buffers; a nil Engine has none.
func (e *Engine) Close() {
	if e != nil {
		e.Forget()
		e.mem.Free()
	}
}

// Forget drops the recorded steps, so that the next steps are recorded
// anew: for a change the steps' keys do not show.
func (e *Engine) Forget() {
	for _, r := range e.recordings {
		r.Free()
	}
	clear(e.recordings) // delete cannot remove a NaN key
}

// Step is the number of completed steps, Epoch the current epoch and
// InEpoch the number of its batches taken.
func (e *Engine) Step() int64    { return e.step }
func (e *Engine) Epoch() int64   { return e.epoch }
func (e *Engine) InEpoch() int64 { return e.inEpoch }

// BatchesPerEpoch is the number of batches an epoch holds, its tail
// included.
func (e *Engine) BatchesPerEpoch() int64 {
	n := e.spec.Rows / e.spec.Batch
	if e.spec.Tail && e.spec.Rows%e.spec.Batch != 0 {
		n++
	}
	return int64(n)
}

// EpochDone reports whether the last step took the epoch's last batch.
func (e *Engine) EpochDone() bool {
	return e.inEpoch+int64(e.spec.BatchesPerStep) > e.BatchesPerEpoch()
}

// SetPosition puts the engine at step, in epoch after inEpoch of its batches, as
// a loop that ran there would be: the epoch's order, the batch and noise
// counters, and each step counter at step times its increment.
func (e *Engine) SetPosition(step, epoch, inEpoch int64) error {
	if step < 0 || epoch < 0 || inEpoch < 0 || inEpoch > e.BatchesPerEpoch() {
		return fmt.Errorf("position (step %d, epoch %d, batch %d) is out of range", step, epoch, inEpoch)
	}
	if err := e.startEpoch(epoch); err != nil {
		return err
	}
	e.step, e.inEpoch = step, inEpoch
	e.be.SetCounter(e.Batch, uint32(inEpoch))
	e.be.SetCounter(e.Noise, uint32(step))
	for i, inc := range e.spec.Counters {
		e.be.SetCounter(e.Counters[i], uint32(step*int64(inc)))
	}
	return nil
}

// startEpoch makes ep the current epoch, at its first batch.
func (e *Engine) startEpoch(ep int64) error {
	e.order = data.Permutation(e.spec.Rows, e.spec.Seed, uint32(ep))
	if e.spec.OnDevice {
		if err := data.UploadOrder(e.be, e.Order, e.order); err != nil {
			return fmt.Errorf("epoch %d: %w", ep, err)
		}
	}
	e.be.SetCounter(e.Batch, 0)
	e.epoch, e.inEpoch = ep, 0
	return nil
}

// Next is the batch the next step takes, starting the next epoch when the
// current one has too few batches left.
func (e *Engine) Next() (Batch, error) {
	if e.EpochDone() {
		if err := e.startEpoch(e.epoch + 1); err != nil {
			return Batch{}, err
		}
	}
	lo := int(e.inEpoch) * e.spec.Batch
	hi := min(lo+e.spec.BatchesPerStep*e.spec.Batch, e.spec.Rows)
	return Batch{Epoch: e.epoch, Index: e.inEpoch, Rows: e.order[lo:hi]}, nil
}

// Iterate runs one step of s: its batch (Next), s.Prepare, then s.Enqueue,
// recorded on a backend that can and replayed, and the noise counter's
// increment.
func (e *Engine) Iterate(s Step) error {
	b, err := e.Next()
	if err != nil {
		return err
	}
	key, err := s.Prepare(b)
	if err != nil {
		return err
	}
	if key != nil && !reflect.TypeOf(key).Comparable() {
		return fmt.Errorf("loop: a step's key must be comparable, not %T", key)
	}
	if key != nil && key != key { // NaN, or a value holding one
		return fmt.Errorf("loop: a step's key equals nothing, itself included (%v): it would be recorded anew every step", key)
	}
	rows := min(e.spec.Batch, len(b.Rows))
	enqueue := func() {
		s.Enqueue(rows)
		e.be.IncCounter(e.Noise)
	}
	if cp, ok := e.be.(model.Capturer); ok {
		r, err := e.recording(cp, recordingKey{key, rows}, enqueue)
		if err != nil {
			return err
		}
		if err := r.Run(); err != nil {
			return fmt.Errorf("step %d: %w", e.step+1, err)
		}
	} else {
		enqueue()
	}
	e.inEpoch += int64(e.spec.BatchesPerStep)
	e.step++
	return nil
}

// recording returns the recording of enqueue under k, recording it first
// when there is none.
func (e *Engine) recording(cp model.Capturer, k recordingKey, enqueue func()) (model.Replay, error) {
	if r, ok := e.recordings[k]; ok {
		return r, nil
	}
	if len(e.recordings) >= maxRecordings {
		e.Forget()
	}
	r, err := cp.Capture(enqueue)
	if err != nil {
		return nil, fmt.Errorf("recording the training step: %w", err)
	}
	if e.recordings == nil {
		e.recordings = map[recordingKey]model.Replay{}
	}
	e.recordings[k] = r
	return r, nil
}

// ReadStats downloads the statistics buffer (a synchronising download).
func (e *Engine) ReadStats() ([]float32, error) {
	v := make([]float32, e.spec.Stats)
	if e.spec.Stats == 0 {
		return v, nil
	}
	if err := e.be.Download(v, e.Stats); err != nil {
		return nil, fmt.Errorf("reading step statistics: %w", err)
	}
	return v, nil
}

// Stat is the i-th value of the statistics buffer, for a step to write.
func (e *Engine) Stat(i int) model.Buf { return e.be.View(e.Stats, i, 1) }
