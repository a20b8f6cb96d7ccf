//go:build cuda || cudaemu

package gpu

import (
	"errors"
	"fmt"
	"runtime"

	"gan-train/model"
)

// Capture records the operations that record enqueues on the backend's
// stream into a CUDA graph (stream capture) and returns it instantiated,
// ready to replay with one cuGraphLaunch per Run. Nothing record enqueues
// runs during Capture.
//
// record must only enqueue operations (Copy through IncCounter); Alloc,
// Free, Upload, Download and Sync fail while capturing (they touch host
// memory or wait), and so does a nested Capture. Values that change from
// one replay to the next must come from device memory: the Adam and noise
// step counters and the batch counter are read by the kernels, so a
// recorded step that ends with IncCounter replays as the next step. Views
// made inside record are baked into the graph by address and must stay
// allocated while the Replay is used.
//
// The calling goroutine stays locked to its OS thread during record (the
// capture mode is thread-local); record must not hand backend calls to
// other goroutines.
func (be *Backend) Capture(record func()) (rep model.Replay, err error) {
	if err := be.usable("Capture"); err != nil {
		return nil, err
	}
	if be.err != nil {
		return nil, fmt.Errorf("gpu: Capture: an earlier operation failed (call Sync first): %w", be.err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := be.drv.beginCapture(); err != nil {
		return nil, err
	}
	be.capturing = true
	ended := false
	end := func() (graph, error) {
		ended = true
		be.capturing = false
		return be.drv.endCapture()
	}
	defer func() {
		// record panicked: end the capture so the stream stays usable, and
		// let the panic continue.
		if !ended {
			if g, err := end(); err == nil {
				_ = be.drv.graphFree(g)
			}
		}
	}()
	record()
	g, err := end()
	if be.err != nil {
		// A launch inside record failed; the graph is incomplete.
		rerr := be.err
		be.err = nil
		if err == nil {
			_ = be.drv.graphFree(g)
		}
		return nil, errors.Join(fmt.Errorf("gpu: Capture: recording: %w", rerr), err)
	}
	if err != nil {
		return nil, fmt.Errorf("gpu: Capture: %w", err)
	}
	return &replay{be: be, g: g}, nil
}

// replay is a captured graph (on a GPU, instantiated).
type replay struct {
	be    *Backend
	g     graph
	freed bool
}

// Run enqueues the recorded operations once on the backend's stream.
func (r *replay) Run() error {
	if r.freed {
		return errors.New("gpu: Run of a freed Replay")
	}
	if err := r.be.usable("Replay.Run"); err != nil {
		return err
	}
	return r.be.drv.graphLaunch(r.g)
}

// Free releases the executable graph; a Run after Free fails.
func (r *replay) Free() {
	if r.freed || r.be.closed {
		r.freed = true
		return
	}
	if err := r.be.drv.graphFree(r.g); err != nil {
		r.be.fail(err)
	}
	r.freed = true
}
