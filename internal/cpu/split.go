package cpu

import "time"

// The split planner. Splitting an operation over goroutines pays only when
// the work outweighs waking a second goroutine and waiting for the slower
// half, and that depends on the work's size, on the machine and on how
// busy its other cores are: on the 2-core development machine, shared with
// other processes, the seed preset's layers ran faster on one goroutine
// than on two (bench/RESULTS.md, issue 14), while the quality preset's
// larger products gained from two. So a backend made with Options.Workers
// 0 (the default) times both ways for each shape of parallel work (its
// item count, grain and alignment) and keeps the faster, trying both again
// every splitRound calls of that shape to follow the load. Results do not
// depend on the choice: every operation gives the same bits for any split.

const (
	// splitProbes is how many calls of each way a round times.
	splitProbes = 4
	// splitRound is how many calls of a shape follow a decision before
	// both ways are timed again.
	splitRound = 2048
	// splitGain is how much faster the split must be to be kept: a split
	// that saves little holds a second core for nothing.
	splitGain = 0.9
)

// splitKey is a shape of parallel work.
type splitKey struct{ n, grain, align int }

// splitPlan is the planner's state for one shape.
type splitPlan struct {
	best  [2]time.Duration // fastest timed call this round: on one goroutine, split
	tried [2]int           // timed calls this round of each way
	calls int              // calls since the decision
	split bool             // the decision
}

// next says whether the next call splits and whether it is to be timed
// (and handed to record).
func (p *splitPlan) next() (split, timed bool) {
	if p.tried[0] < splitProbes || p.tried[1] < splitProbes {
		return p.tried[1] < p.tried[0], true // alternate, one goroutine first
	}
	if p.calls == 0 {
		p.split = float64(p.best[1]) < splitGain*float64(p.best[0])
	}
	p.calls++
	if p.calls >= splitRound {
		*p = splitPlan{split: p.split}
	}
	return p.split, false
}

// record notes the duration d of a timed call.
func (p *splitPlan) record(split bool, d time.Duration) {
	i := 0
	if split {
		i = 1
	}
	if p.tried[i] == 0 || d < p.best[i] {
		p.best[i] = d
	}
	p.tried[i]++
}

// plan returns the plan of a shape, made on first use.
func (be *Backend) plan(k splitKey) *splitPlan {
	p, ok := be.plans[k]
	if !ok {
		if be.plans == nil {
			be.plans = map[splitKey]*splitPlan{}
		}
		p = &splitPlan{}
		be.plans[k] = p
	}
	return p
}
