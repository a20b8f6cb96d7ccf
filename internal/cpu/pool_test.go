package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// visits runs p over bounds and returns how often each index was visited.
func visits(p *pool, bounds []int) []int32 {
	n := bounds[len(bounds)-1]
	seen := make([]int32, n)
	p.run(bounds, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&seen[i], 1)
		}
	})
	return seen
}

func checkOnce(t *testing.T, seen []int32) {
	t.Helper()
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("index %d visited %d times, want once", i, c)
		}
	}
}

func TestPoolRunsEveryChunkOnce(t *testing.T) {
	p := newPool(3)
	defer p.stop()
	for _, bounds := range [][]int{{0, 10}, {0, 5, 10}, {0, 3, 6, 9, 10}, {0, 1, 2, 3}} {
		for range 50 {
			checkOnce(t, visits(p, bounds))
		}
	}
}

func TestPoolChunksRunOnWorkers(t *testing.T) {
	// The first chunk (the caller's, which runs first when there is no
	// worker) waits for the second to start: run returns only if they run
	// on different goroutines.
	p := newPool(1)
	defer p.stop()
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.run([]int{0, 1, 2}, func(lo, _ int) {
			if lo == 1 {
				close(started)
				return
			}
			<-started
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the chunks did not run concurrently")
	}
}

func TestPoolNestedRunIsInline(t *testing.T) {
	// A run nested in a chunk calls its function once, over the whole
	// range, on the chunk's goroutine.
	p := newPool(1)
	defer p.stop()
	var calls [2]atomic.Int32
	var ranges [2][2]int
	p.run([]int{0, 2, 4}, func(lo, hi int) {
		p.run([]int{lo, lo + 1, hi}, func(a, b int) {
			calls[lo/2].Add(1)
			ranges[lo/2] = [2]int{a, b}
		})
	})
	for c := range calls {
		if n := calls[c].Load(); n != 1 || ranges[c] != [2]int{2 * c, 2*c + 2} {
			t.Errorf("outer chunk %d: nested function called %d times, last over %v; want once over [%d %d]", c, n, ranges[c], 2*c, 2*c+2)
		}
	}
}

func TestPoolWakesParkedWorkers(t *testing.T) {
	p := newPool(2)
	defer p.stop()
	checkOnce(t, visits(p, []int{0, 4, 8, 12}))
	deadline := time.Now().Add(10 * time.Second)
	for _, w := range p.workers {
		for !w.parked.Load() {
			if time.Now().After(deadline) {
				t.Fatal("a worker still polls 10 s after its last chunk")
			}
			time.Sleep(time.Millisecond)
		}
	}
	checkOnce(t, visits(p, []int{0, 4, 8, 12}))
}

// ended fails the test unless every worker's goroutine has returned.
func ended(t *testing.T, ws []*poolWorker) {
	t.Helper()
	for i, w := range ws {
		select {
		case <-w.exited:
		default:
			t.Fatalf("worker %d still runs after stop", i)
		}
	}
}

func TestPoolStopEndsWorkersAndRestarts(t *testing.T) {
	p := newPool(4)
	checkOnce(t, visits(p, []int{0, 1, 2, 3, 4, 5}))
	ws := p.workers
	if len(ws) != 4 {
		t.Fatalf("%d workers started, want 4", len(ws))
	}
	p.stop()
	ended(t, ws)
	checkOnce(t, visits(p, []int{0, 1, 2, 3, 4, 5}))
	ws = p.workers
	p.stop()
	ended(t, ws)
}

func TestBackendParallelUsesPoolAndCloseEndsIt(t *testing.T) {
	be := New(Options{Workers: 3})
	seen := make([]int32, 90)
	be.parallel(len(seen), 1, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&seen[i], 1)
		}
	})
	checkOnce(t, seen)
	ws := be.pool.workers
	if len(ws) != 2 {
		t.Fatalf("%d pool workers after a split call with 3 workers, want 2", len(ws))
	}
	_ = be.Close()
	ended(t, ws)
}

func TestDroppedBackendEndsWorkers(t *testing.T) {
	ws := func() []*poolWorker {
		be := New(Options{Workers: 2})
		be.parallel(8, 1, 1, func(int, int) {})
		return be.pool.workers
	}()
	if len(ws) != 1 {
		t.Fatalf("%d pool workers, want 1", len(ws))
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		select {
		case <-ws[0].exited:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the worker of an unreachable Backend still runs")
}

func TestBackendStaysAliveWhileItsChunksRun(t *testing.T) {
	// parallel's chunk functions need not refer to the Backend; its
	// cleanup must still not stop the pool while they run.
	be := New(Options{Workers: 2})
	be.parallel(2, 1, 1, func(int, int) {}) // starts the worker
	ws := be.pool.workers
	var early atomic.Bool
	seen := make([]int32, 2)
	be.parallel(2, 1, 1, func(lo, hi int) {
		if lo == 0 {
			for range 3 {
				runtime.GC()
				time.Sleep(5 * time.Millisecond)
			}
			select {
			case <-ws[0].exited:
				early.Store(true)
			default:
			}
		}
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&seen[i], 1)
		}
	})
	if early.Load() {
		t.Fatal("the Backend's cleanup stopped its pool during a parallel call")
	}
	checkOnce(t, seen)
}

func TestParallelCapsChunks(t *testing.T) {
	be := New(Options{Workers: 100})
	defer be.Close()
	var mu sync.Mutex
	var sizes []int
	be.parallel(1000, 1, 1, func(lo, hi int) {
		mu.Lock()
		sizes = append(sizes, hi-lo)
		mu.Unlock()
	})
	if len(sizes) > maxChunks || len(be.pool.workers) != maxChunks-1 {
		t.Fatalf("%d chunks on %d pool workers, want at most %d on %d", len(sizes), len(be.pool.workers), maxChunks, maxChunks-1)
	}
	for _, n := range sizes {
		if n > (1000+maxChunks-1)/maxChunks {
			t.Fatalf("chunk sizes %v: one holds %d of 1000 items, want at most %d", sizes, n, (1000+maxChunks-1)/maxChunks)
		}
	}
}
