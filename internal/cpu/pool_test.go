package cpu

import (
	"runtime"
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
	// The second chunk blocks until the first has started, which only
	// returns if they run on different goroutines.
	p := newPool(1)
	defer p.stop()
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.run([]int{0, 1, 2}, func(lo, _ int) {
			if lo == 0 {
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
	p := newPool(1)
	defer p.stop()
	var inner [4]int32
	p.run([]int{0, 2, 4}, func(lo, hi int) {
		p.run([]int{lo, lo + 1, hi}, func(a, b int) {
			for i := a; i < b; i++ {
				atomic.AddInt32(&inner[i], 1)
			}
		})
	})
	checkOnce(t, inner[:])
}

func TestPoolWakesParkedWorkers(t *testing.T) {
	p := newPool(2)
	defer p.stop()
	checkOnce(t, visits(p, []int{0, 4, 8, 12}))
	time.Sleep(20 * spinFor) // long enough for every worker to park
	for _, w := range p.workers {
		if !w.parked.Load() {
			t.Errorf("a worker still polls %v after its last chunk", 20*spinFor)
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
