package cpu

import (
	"math"
	"testing"
	"time"

	"gan-train/model"
)

// The plan times both ways in alternation, keeps the split only when it is
// clearly faster, and times both again after splitRound calls.
func TestSplitPlan(t *testing.T) {
	for _, tc := range []struct {
		name         string
		alone, split time.Duration
		want         bool
	}{
		{"split twice as fast", 100, 50, true},
		{"split barely faster", 100, 95, false},
		{"split slower", 100, 140, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p splitPlan
			var ways []bool
			for i := 0; i < 2*splitProbes; i++ {
				way, timed := p.next()
				if !timed {
					t.Fatalf("call %d of the first round is not timed", i)
				}
				ways = append(ways, way)
				d := tc.alone
				if way {
					d = tc.split
				}
				p.record(way, d+time.Duration(i)) // later calls a little slower: the best counts
			}
			for i, way := range ways {
				if way != (i%2 == 1) {
					t.Fatalf("probe ways %v: want alternation starting on one goroutine", ways)
				}
			}
			for i := 0; i < splitRound; i++ {
				way, timed := p.next()
				if timed || way != tc.want {
					t.Fatalf("call %d after the probes: split %v timed %v, want split %v untimed", i, way, timed, tc.want)
				}
			}
			if _, timed := p.next(); !timed {
				t.Errorf("after %d calls the plan does not time both ways again", splitRound)
			}
		})
	}
}

// An auto backend gives the bits of a one-worker backend whichever way
// each call runs: the planner moves only the time.
func TestAutoSplitSameBits(t *testing.T) {
	auto := New(Options{})
	auto.workers = 2 // as on a 2-core machine, whatever GOMAXPROCS is here
	one := New(Options{Workers: 1})
	const batch, in, out = 64, 300, 200
	vals := func(n int, s float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.Sin(float64(i)*s) * 0.5)
		}
		return v
	}
	x, w, b := vals(batch*in, 0.37), vals(in*out, 0.11), vals(out, 0.7)
	run := func(be *Backend) []float32 {
		bufs := make([]model.Buf, 4)
		for i, v := range [][]float32{x, w, b, make([]float32, batch*out)} {
			var err error
			if bufs[i], err = be.Alloc(len(v)); err != nil {
				t.Fatal(err)
			}
			if err := be.Upload(bufs[i], v); err != nil {
				t.Fatal(err)
			}
		}
		be.DenseForward(bufs[3], bufs[0], bufs[1], bufs[2], batch, in, out, model.Tanh)
		y := make([]float32, batch*out)
		if err := be.Download(y, bufs[3]); err != nil {
			t.Fatal(err)
		}
		return y
	}
	want := run(one)
	for call := 0; call < 3*splitProbes; call++ { // through the probes, both ways, and past them
		got := run(auto)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("call %d: y[%d] = %v, one worker %v", call, i, got[i], want[i])
			}
		}
	}
	if len(auto.plans) == 0 {
		t.Error("the auto backend made no plan: its products never reached the planner")
	}
}
