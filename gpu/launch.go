//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// Each op method of the backend (one file per group of model.Backend:
// memory.go, elementwise.go, dense.go, loss.go, adam.go, rng.go, layout.go,
// regularize.go, minibatch.go, pyramid.go, average.go) enqueues one or two
// kernels of package kernels on the backend's stream and returns at once. Its doc comment is the loop it
// computes (the same function as the cpu backend's method, summed in a
// different but fixed order). A shape mismatch panics (a programming error,
// as model.Backend allows); a freed Buf, a failed launch or bad input a
// kernel detects is recorded and returned by the next Sync.

const threads = 256 // block size of the element-wise and reduction kernels

// arg checks that b is a live Buf of this backend with at least min
// elements (exactly min when exact), panicking on a shape mismatch; it
// returns nil after recording an error when b was freed.
func (be *Backend) arg(op, name string, b model.Buf, min int, exact bool) *Buf {
	d := be.buf(op, name, b)
	if d.n < min || (exact && d.n != min) {
		want := "at least "
		if exact {
			want = ""
		}
		panic(fmt.Sprintf("gpu: %s: %s has %d elements, want %s%d", op, name, d.n, want, min))
	}
	if d.a.freed {
		be.fail(fmt.Errorf("gpu: %s: %s was freed", op, name))
		return nil
	}
	return d
}

// optArg is arg for optional outputs; ok is false when b was freed.
func (be *Backend) optArg(op, name string, b model.Buf, min int, exact bool) (d *Buf, ok bool) {
	if be.opt(op, name, b) == nil {
		return nil, true
	}
	d = be.arg(op, name, b, min, exact)
	return d, d != nil
}

func counterArg(be *Backend, op, name string, c model.Buf) *Buf {
	return be.arg(op, name, c, 1, true)
}

// run enqueues k, recording a failure. Its callers are the typed
// launchers of kernels_gen.go, generated from the kernels' signatures.
func (be *Backend) run(k kernel, grid, block dim3, args ...uint64) {
	if be.closed {
		be.fail(fmt.Errorf("gpu: %s: backend is closed", k.name))
		return
	}
	if err := be.drv.launch(k, grid, block, args...); err != nil {
		be.fail(err)
	}
}

// elems is the grid of a grid-stride kernel over n items: enough blocks to
// give each thread about one item, at most 16 per multiprocessor.
func (be *Backend) elems(n int) dim3 {
	g := (n + threads - 1) / threads
	g = max(1, min(g, 16*be.sms))
	return dim3{uint32(g), 1, 1}
}

var block1D = dim3{threads, 1, 1}

func ptrOrNull(b *Buf) devPtr {
	if b == nil {
		return 0
	}
	return b.ptr()
}
