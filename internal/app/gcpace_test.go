package app

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

func TestGCPercent(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		live, data uint64
		want       int
	}{
		{100 * mb, 0, 100},       // no dataset: the default
		{100 * mb, 80 * mb, 20},  // the rest is a fifth of the heap
		{100 * mb, 50 * mb, 50},  // half
		{100 * mb, 99 * mb, 10},  // floor
		{100 * mb, 150 * mb, 10}, // a dataset larger than the measured heap
		{0, 0, 10},
	} {
		if got := gcPercent(tc.live, tc.data); got != tc.want {
			t.Errorf("gcPercent(%d MB, %d MB) = %d, want %d", tc.live/mb, tc.data/mb, got, tc.want)
		}
	}
}

// paceGC lowers GOGC for a run whose heap is mostly its dataset, restores
// it afterwards, and leaves it alone when the user set GOGC.
func TestPaceGC(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	data := make([]byte, 256<<20) // far more than the test binary's own heap
	for i := range data {
		data[i] = byte(i)
	}
	restore := paceGC(len(data), func(string) string { return "" }, log)
	paced := debug.SetGCPercent(100)
	debug.SetGCPercent(paced)
	restore()
	if paced >= 50 {
		t.Errorf("GOGC with a 256 MB dataset: %d, want well under 100", paced)
	}
	if now := debug.SetGCPercent(100); now != 100 {
		t.Errorf("after restore: GOGC %d, want 100", now)
	}
	restore = paceGC(len(data), func(k string) string {
		if k == "GOGC" {
			return "300"
		}
		return ""
	}, log)
	if now := debug.SetGCPercent(100); now != 100 {
		t.Errorf("with GOGC set by the user: GOGC changed to %d", now)
	}
	restore()
	_ = data[len(data)-1]
}
