//go:build cuda

package gpu

/*
#cgo CFLAGS: -I/usr/local/cuda/include
#cgo LDFLAGS: -lcuda
#include <cuda.h>

// The helpers bind the context in the same cgo call as the work; see
// gt_bind in driver.go (repeated here because cgo preambles are per file).
static CUresult gt_graph_bind(CUcontext ctx) {
	CUcontext cur = NULL;
	CUresult r = cuCtxGetCurrent(&cur);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	return cur == ctx ? CUDA_SUCCESS : cuCtxSetCurrent(ctx);
}

// Thread-local mode: driver calls that are unsafe during capture (a
// synchronization, a host allocation) fail when made from the capturing
// thread, which Capture keeps locked for the whole recording.
static CUresult gt_capture_begin(CUcontext ctx, CUstream s) {
	CUresult r = gt_graph_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	return cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}

typedef struct {
	CUresult r;
	CUgraphExec exec;
	int stage; // 0 ending the capture, 1 instantiating
} gt_graph_result;

// gt_capture_end ends the capture and instantiates the graph; the graph
// itself is destroyed at once (the executable graph is independent of it).
static gt_graph_result gt_capture_end(CUcontext ctx, CUstream s) {
	gt_graph_result out = {CUDA_SUCCESS, NULL, 0};
	CUgraph g = NULL;
	out.r = gt_graph_bind(ctx);
	if (out.r != CUDA_SUCCESS) {
		return out;
	}
	out.r = cuStreamEndCapture(s, &g);
	if (out.r != CUDA_SUCCESS) {
		if (g != NULL) {
			cuGraphDestroy(g);
		}
		return out;
	}
	out.stage = 1;
	out.r = cuGraphInstantiateWithFlags(&out.exec, g, 0);
	cuGraphDestroy(g);
	return out;
}

static CUresult gt_graph_launch(CUcontext ctx, CUgraphExec e, CUstream s) {
	CUresult r = gt_graph_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	return cuGraphLaunch(e, s);
}

static CUresult gt_graph_free(CUcontext ctx, CUgraphExec e) {
	CUresult r = gt_graph_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	return cuGraphExecDestroy(e);
}
*/
import "C"

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
	if err := check("beginning stream capture", C.gt_capture_begin(be.drv.ctx, be.drv.stream)); err != nil {
		return nil, err
	}
	be.capturing = true
	ended := false
	end := func() (C.CUgraphExec, error) {
		ended = true
		be.capturing = false
		res := C.gt_capture_end(be.drv.ctx, be.drv.stream)
		op := "ending stream capture"
		if res.stage == 1 {
			op = "instantiating the captured graph"
		}
		return res.exec, check(op, res.r)
	}
	defer func() {
		// record panicked: end the capture so the stream stays usable, and
		// let the panic continue.
		if !ended {
			if exec, err := end(); err == nil && exec != nil {
				C.gt_graph_free(be.drv.ctx, exec)
			}
		}
	}()
	record()
	exec, err := end()
	if be.err != nil {
		// A launch inside record failed; the graph is incomplete.
		rerr := be.err
		be.err = nil
		if err == nil && exec != nil {
			C.gt_graph_free(be.drv.ctx, exec)
		}
		return nil, errors.Join(fmt.Errorf("gpu: Capture: recording: %w", rerr), err)
	}
	if err != nil {
		return nil, fmt.Errorf("gpu: Capture: %w", err)
	}
	return &replay{be: be, exec: exec}, nil
}

// replay is an instantiated CUDA graph.
type replay struct {
	be   *Backend
	exec C.CUgraphExec
}

// Run enqueues the recorded operations once on the backend's stream.
func (r *replay) Run() error {
	if r.exec == nil {
		return errors.New("gpu: Run of a freed Replay")
	}
	if err := r.be.usable("Replay.Run"); err != nil {
		return err
	}
	return check("launching a captured graph", C.gt_graph_launch(r.be.drv.ctx, r.exec, r.be.drv.stream))
}

// Free releases the executable graph; a Run after Free fails.
func (r *replay) Free() {
	if r.exec == nil || r.be.closed {
		r.exec = nil
		return
	}
	if err := check("freeing a captured graph", C.gt_graph_free(r.be.drv.ctx, r.exec)); err != nil {
		r.be.fail(err)
	}
	r.exec = nil
}
