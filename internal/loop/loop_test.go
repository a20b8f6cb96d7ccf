package loop

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/model"
)

// recordStep is a Step that remembers what it was asked to do; on the CPU
// backend (which does not capture) Enqueue runs each step.
type recordStep struct {
	batches []Batch
	rows    []int
	keys    []any
	key     func(Batch) any
	failAt  int // Prepare fails at this call (1-based); 0: never
}

func (s *recordStep) Prepare(b Batch) (any, error) {
	s.batches = append(s.batches, Batch{Epoch: b.Epoch, Index: b.Index, Rows: slices.Clone(b.Rows)})
	if s.failAt == len(s.batches) {
		return nil, errors.New("prepare failed")
	}
	var k any
	if s.key != nil {
		k = s.key(b)
	}
	s.keys = append(s.keys, k)
	return k, nil
}

func (s *recordStep) Enqueue(rows int) { s.rows = append(s.rows, rows) }

func newEngine(t *testing.T, be model.Backend, spec Spec) *Engine {
	t.Helper()
	e, err := New(be, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// The batches follow data.Permutation's order of each epoch; the rows that
// do not fill a batch sit out the epoch, or form a shorter last batch with
// Tail; a step of k batches takes k batches' rows.
func TestBatchesFollowEachEpochsOrder(t *testing.T) {
	be := cpu.New(cpu.Options{})
	for _, tc := range []struct {
		name          string
		spec          Spec
		steps         int
		wantRows      []int // rows per Enqueue
		wantPerEpoch  int64
		wantLastEpoch int64
	}{
		{"drop", Spec{Rows: 10, Batch: 3, Seed: 4}, 7, []int{3, 3, 3, 3, 3, 3, 3}, 3, 2},
		{"tail", Spec{Rows: 10, Batch: 3, Seed: 4, Tail: true}, 9, []int{3, 3, 3, 1, 3, 3, 3, 1, 3}, 4, 2},
		{"k=2", Spec{Rows: 10, Batch: 2, BatchesPerStep: 2, Seed: 9}, 5, []int{2, 2, 2, 2, 2}, 5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, be, tc.spec)
			if got := e.BatchesPerEpoch(); got != tc.wantPerEpoch {
				t.Fatalf("BatchesPerEpoch %d, want %d", got, tc.wantPerEpoch)
			}
			s := &recordStep{}
			for i := 0; i < tc.steps; i++ {
				if err := e.Iterate(s); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(s.rows, tc.wantRows) {
				t.Errorf("rows per step %v, want %v", s.rows, tc.wantRows)
			}
			k := max(tc.spec.BatchesPerStep, 1)
			epoch, index := int64(0), int64(0)
			for i, b := range s.batches {
				if index+int64(k) > tc.wantPerEpoch {
					epoch, index = epoch+1, 0
				}
				lo := int(index) * tc.spec.Batch
				want := data.Permutation(tc.spec.Rows, tc.spec.Seed, uint32(epoch))[lo:min(lo+k*tc.spec.Batch, tc.spec.Rows)]
				if b.Epoch != epoch || b.Index != index || !slices.Equal(b.Rows, want) {
					t.Errorf("step %d: epoch %d batch %d rows %v, want epoch %d batch %d rows %v", i, b.Epoch, b.Index, b.Rows, epoch, index, want)
				}
				index += int64(k)
			}
			if e.Step() != int64(tc.steps) || e.Epoch() != tc.wantLastEpoch {
				t.Errorf("after %d steps: step %d epoch %d, want %d and %d", tc.steps, e.Step(), e.Epoch(), tc.steps, tc.wantLastEpoch)
			}
		})
	}
}

// counters downloads the engine's counters: batch, noise, then the step's.
func counters(t *testing.T, be model.Backend, e *Engine) []uint32 {
	t.Helper()
	var out []uint32
	for _, b := range append([]model.Buf{e.Batch, e.Noise}, e.Counters...) {
		v := make([]float32, 1)
		if err := be.Download(v, b); err != nil {
			t.Fatal(err)
		}
		out = append(out, math.Float32bits(v[0])) // counters hold uint32 bits
	}
	return out
}

// On the backend: the epoch's order is in Order, the noise counter counts
// the steps, the batch counter restarts with each epoch, and SetPosition puts
// every counter where a run that got there would have it.
func TestCountersAndOrderOnTheBackend(t *testing.T) {
	be := cpu.New(cpu.Options{})
	spec := Spec{Rows: 9, Batch: 2, BatchesPerStep: 2, Seed: 3, OnDevice: true, Counters: []int{2, 1}}
	e := newEngine(t, be, spec)
	// a step that takes its batches as a real one does: one counter
	// increment per batch, and per Adam update
	step := &gatherStep{be: be, e: e}
	for i := 0; i < 3; i++ { // two steps fill epoch 0 (4 batches of 2), the third starts epoch 1
		if err := e.Iterate(step); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := counters(t, be, e), []uint32{2, 3, 6, 3}; !slices.Equal(got, want) {
		t.Errorf("counters (batch, noise, adam d, adam g) after 3 steps: %v, want %v", got, want)
	}
	order := make([]float32, spec.Rows)
	if err := be.Download(order, e.Order); err != nil {
		t.Fatal(err)
	}
	want, err := data.PermutationFloat32(data.Permutation(spec.Rows, spec.Seed, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, want) {
		t.Errorf("order on the backend in epoch 1: %v, want %v", order, want)
	}
	if err := e.SetPosition(7, 4, 2); err != nil {
		t.Fatal(err)
	}
	if got, want := counters(t, be, e), []uint32{2, 7, 14, 7}; !slices.Equal(got, want) {
		t.Errorf("counters after SetPosition(7, 4, 2): %v, want %v", got, want)
	}
	if e.Step() != 7 || e.Epoch() != 4 || e.InEpoch() != 2 {
		t.Errorf("after SetPosition(7, 4, 2): step %d epoch %d batch %d", e.Step(), e.Epoch(), e.InEpoch())
	}
	if err := e.SetPosition(1, 0, 5); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("SetPosition past the epoch's 4 batches: %v, want an out-of-range error", err)
	}
}

type gatherStep struct {
	be model.Backend
	e  *Engine
}

func (s *gatherStep) Prepare(Batch) (any, error) { return nil, nil }
func (s *gatherStep) Enqueue(int) {
	for range 2 {
		s.be.IncCounter(s.e.Batch)
		s.be.IncCounter(s.e.Counters[0])
	}
	s.be.IncCounter(s.e.Counters[1])
}

// fakeCapturer is a test double for a backend that records (the CUDA
// graph path, which needs a GPU or the emulated device of the gpu
// package's tests): Capture keeps record, and Run calls it, as a replay
// enqueues the recorded operations.
type fakeCapturer struct {
	model.Backend
	captures, runs, freed int
}

type fakeReplay struct {
	c      *fakeCapturer
	record func()
}

func (r *fakeReplay) Run() error { r.c.runs++; r.record(); return nil }
func (r *fakeReplay) Free()      { r.c.freed++ }

func (c *fakeCapturer) Capture(record func()) (model.Replay, error) {
	c.captures++
	return &fakeReplay{c: c, record: record}, nil
}

// A step is recorded once per key and rows and replayed after; at most
// maxRecordings are kept; Forget and Close free them.
func TestRecordsOncePerKey(t *testing.T) {
	fc := &fakeCapturer{Backend: cpu.New(cpu.Options{})}
	e, err := New(fc, Spec{Rows: 10, Batch: 3, Tail: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// key: the epoch, as the classifier's learning rate is per epoch
	s := &recordStep{key: func(b Batch) any { return float32(b.Epoch) }}
	for i := 0; i < 8; i++ { // two epochs of 3 full batches and a tail
		if err := e.Iterate(s); err != nil {
			t.Fatal(err)
		}
	}
	// epoch 0: full, tail; epoch 1: full (frees both), tail
	if fc.captures != 4 || fc.runs != 8 || fc.freed != 2 {
		t.Errorf("captures %d, runs %d, freed %d; want 4, 8, 2", fc.captures, fc.runs, fc.freed)
	}
	if want := []int{3, 3, 3, 1, 3, 3, 3, 1}; !slices.Equal(s.rows, want) {
		t.Errorf("replays enqueued batches of %v rows, want %v", s.rows, want)
	}
	e.Forget()
	if fc.freed != 4 {
		t.Errorf("freed %d after Forget, want 4", fc.freed)
	}
	if err := e.Iterate(s); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if fc.captures != 5 || fc.freed != 5 {
		t.Errorf("after one more step and Close: captures %d, freed %d; want 5 and 5", fc.captures, fc.freed)
	}
}

func TestRefusesBadSpecsAndKeys(t *testing.T) {
	be := cpu.New(cpu.Options{})
	for _, spec := range []Spec{
		{Rows: 0, Batch: 1},
		{Rows: 4, Batch: 0},
		{Rows: 4, Batch: 3, BatchesPerStep: 2},
		{Rows: 8, Batch: 2, BatchesPerStep: 2, Tail: true},
		{Rows: 8, Batch: 2, BatchesPerStep: -1},
		{Rows: 8, Batch: 2, Stats: -1},
	} {
		if e, err := New(be, spec); err == nil {
			e.Close()
			t.Errorf("New(%+v): no error", spec)
		}
	}
	if _, err := New(nil, Spec{Rows: 1, Batch: 1}); err == nil {
		t.Error("New without a backend: no error")
	}
	e := newEngine(t, be, Spec{Rows: 4, Batch: 2})
	s := &recordStep{key: func(Batch) any { return []int{1} }}
	if err := e.Iterate(s); err == nil || !strings.Contains(err.Error(), "comparable") {
		t.Errorf("a slice as the key: %v, want an error saying it must be comparable", err)
	}
	if e.Step() != 0 || len(s.rows) != 0 {
		t.Errorf("a refused step ran: step %d, enqueued %d", e.Step(), len(s.rows))
	}
	f := &recordStep{failAt: 1}
	if err := e.Iterate(f); err == nil || e.Step() != 0 || len(f.rows) != 0 {
		t.Errorf("Prepare's error: %v, step %d, enqueued %d; want the error and nothing run", err, e.Step(), len(f.rows))
	}
}

// ReadStats returns what the step wrote into its statistics.
func TestReadStats(t *testing.T) {
	be := cpu.New(cpu.Options{})
	e := newEngine(t, be, Spec{Rows: 4, Batch: 2, Stats: 3})
	if err := be.Upload(e.Stat(1), []float32{2.5}); err != nil {
		t.Fatal(err)
	}
	got, err := e.ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []float32{0, 2.5, 0}) {
		t.Errorf("ReadStats %v, want [0 2.5 0]", got)
	}
}

// Close on a nil engine (a constructor that failed before making one)
// frees nothing and does not panic, nor does Free on a nil network.
func TestNilCloseAndFree(t *testing.T) {
	var e *Engine
	e.Close()
	var n *model.Net
	n.Free()
}

// A key that equals nothing (NaN) is refused: it would record the step
// anew every time.
func TestRefusesNaNKey(t *testing.T) {
	fc := &fakeCapturer{Backend: cpu.New(cpu.Options{})}
	e, err := New(fc, Spec{Rows: 4, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := &recordStep{key: func(Batch) any { return float32(math.NaN()) }}
	if err := e.Iterate(s); err == nil || fc.captures != 0 {
		t.Errorf("a NaN key: error %v, %d captures; want an error and none", err, fc.captures)
	}
}

// failingAlloc is a backend whose allocations fail from the failAt-th on,
// and that counts what is allocated and freed.
type failingAlloc struct {
	model.Backend
	failAt, allocs, frees int
}

func (f *failingAlloc) Alloc(n int) (model.Buf, error) {
	if f.allocs+1 >= f.failAt {
		return nil, errors.New("out of memory")
	}
	f.allocs++
	return f.Backend.Alloc(n)
}

func (f *failingAlloc) Free(b model.Buf) { f.frees++; f.Backend.Free(b) }

// An engine that cannot allocate all its buffers frees those it got.
func TestNewFreesOnFailure(t *testing.T) {
	f := &failingAlloc{Backend: cpu.New(cpu.Options{}), failAt: 3}
	if _, err := New(f, Spec{Rows: 10, Batch: 2, OnDevice: true, Stats: 2, Counters: []int{1}}); err == nil {
		t.Fatal("New with failing allocations: no error")
	}
	if f.allocs == 0 || f.frees != f.allocs {
		t.Errorf("%d buffers allocated, %d freed; want all freed", f.allocs, f.frees)
	}
}
