package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinFor is how long a pool worker keeps polling for its next chunk
// before it parks, and how long the caller polls hot for a worker's chunk
// to finish before it sleeps between polls. A training step is a chain of operations a few
// tens of microseconds apart; a worker woken from a park by the Go
// scheduler took longer than that to start on this machine's virtual CPUs,
// which is why splitting a product over goroutines started per call gained
// only 7% from the second core (bench/RESULTS.md, "Two cores").
const spinFor = 200 * time.Microsecond

// pool runs chunks of an operation on workers-1 long-lived goroutines plus
// the caller. Workers poll for work while the step's operations keep
// coming and park once they have had none for spinFor. The chunk a worker
// runs is fixed by its index, so results never depend on timing.
//
// A pool is used by one caller at a time (a Backend is not safe for
// concurrent use); a call made from inside a running chunk runs inline.
type pool struct {
	workers []*poolWorker
	busy    atomic.Bool
	once    sync.Once
	n       int // goroutines besides the caller
	// stopMu makes stop safe to call twice at once: Close, and the cleanup
	// of a Backend dropped without Close.
	stopMu sync.Mutex
}

// poolWorker is one goroutine's mailbox. It holds no reference to the
// Backend, so an unreachable Backend can be cleaned up (which stops it).
type poolWorker struct {
	posted atomic.Uint64 // sequence number of the last chunk posted
	done   atomic.Uint64 // sequence number of the last chunk finished
	parked atomic.Bool
	wake   chan struct{} // capacity 1
	quit   chan struct{}
	exited chan struct{} // closed when the goroutine returns
	fn     func(lo, hi int)
	lo, hi int
}

func newPool(goroutines int) *pool {
	return &pool{n: max(goroutines, 0)}
}

// start launches the workers on first use.
func (p *pool) start() {
	p.once.Do(func() {
		for range p.n {
			w := &poolWorker{wake: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{})}
			p.workers = append(p.workers, w)
			go w.loop()
		}
	})
}

// stop ends the workers and waits for their goroutines to return; the
// next run starts new ones.
func (p *pool) stop() {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	for _, w := range p.workers {
		close(w.quit)
	}
	for _, w := range p.workers {
		<-w.exited
	}
	p.workers = nil
	p.once = sync.Once{}
}

// run calls fn over the chunks [bounds[i], bounds[i+1]): the first on the
// caller's goroutine, the others on workers, and returns when all are done.
// len(bounds)-2 must not exceed the pool's worker count.
func (p *pool) run(bounds []int, fn func(lo, hi int)) {
	chunks := len(bounds) - 1
	if chunks <= 1 || !p.busy.CompareAndSwap(false, true) {
		// One chunk, or a call nested in a chunk: run it here.
		fn(bounds[0], bounds[chunks])
		return
	}
	defer p.busy.Store(false)
	p.start()
	ws := p.workers[:chunks-1]
	for i, w := range ws {
		w.fn, w.lo, w.hi = fn, bounds[i+1], bounds[i+2]
		w.posted.Add(1)
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	fn(bounds[0], bounds[1])
	for _, w := range ws {
		w.wait()
	}
}

// wait returns once the worker has finished the chunk last posted to it.
func (w *poolWorker) wait() {
	want := w.posted.Load()
	start := time.Now()
	for i := 0; w.done.Load() != want; i++ {
		if i&63 == 63 {
			if time.Since(start) > spinFor {
				// The worker is descheduled or the chunk is long: yield
				// the processor between polls instead of spinning hot.
				time.Sleep(10 * time.Microsecond)
				continue
			}
			runtime.Gosched()
		}
	}
}

// loop is a worker: it runs each chunk posted to it, polling between
// chunks for spinFor and then parking until woken.
func (w *poolWorker) loop() {
	defer close(w.exited)
	var seen uint64
	for {
		start := time.Now()
		for i := 0; w.posted.Load() == seen; i++ {
			if i&63 != 63 {
				continue
			}
			select {
			case <-w.quit:
				return
			default:
			}
			if time.Since(start) < spinFor {
				runtime.Gosched()
				continue
			}
			w.parked.Store(true)
			if w.posted.Load() == seen { // re-check after announcing the park
				select {
				case <-w.wake:
				case <-w.quit:
					return
				}
			}
			w.parked.Store(false)
			start = time.Now()
		}
		seen = w.posted.Load()
		w.fn(w.lo, w.hi)
		w.fn = nil
		w.done.Store(seen)
	}
}
