package app

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
)

// paceGC sets the collector's GOGC so that the garbage a training run may
// leave between collections follows the heap the run allocates from, not
// its dataset. With Go's default GOGC=100 the heap may grow to twice the
// live heap before a collection, and the live heap includes the dataset's
// pixels: a 78 MB dataset let 78 MB more garbage accumulate. The pixels
// hold no pointers, so a collection does not scan them and costs what it
// would without them; paced this way collections come as often, per byte
// allocated, as in a run without the dataset.
//
// It measures the live heap after a collection (call it once the trainer
// is built), leaves GOGC alone when the user set it, and returns the
// function that restores the previous setting.
func paceGC(dataBytes int, getenv func(string) string, log *slog.Logger) (restore func()) {
	if dataBytes <= 0 || getenv("GOGC") != "" {
		return func() {}
	}
	runtime.GC()
	s := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindUint64 {
		return func() {}
	}
	live := s[0].Value.Uint64()
	pct := gcPercent(live, uint64(dataBytes))
	old := debug.SetGCPercent(pct)
	log.Debug("collector paced to the heap beyond the dataset", "gogc", pct, "live_bytes", live, "dataset_bytes", dataBytes)
	return func() { debug.SetGCPercent(old) }
}

// gcPercent is the GOGC that gives a live heap of live bytes, data of them
// the dataset's, the headroom GOGC=100 gives the rest: 100*(live-data)/live,
// at least 10 (so that a run whose heap is nearly all dataset does not
// collect on every small allocation) and at most 100.
func gcPercent(live, data uint64) int {
	if live == 0 || data >= live {
		return 10
	}
	return max(10, min(100, int(100*(live-data)/live)))
}
