//go:build cuda || cudaemu

package gpu

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"gan-train/kernels"
	"gan-train/model"
)

// Kernel error flag bits, as defined in kernels/common.cuh.
const (
	errAdamStep0    = 1
	errGatherRange  = 2
	errSoftmaxLabel = 4
	errOneHotLabel  = 8
	errGatherBytes  = 16
)

// partials is the length of the scratch buffer for the first pass of the
// two-pass reductions (one float per block); also the largest grid such a
// pass uses.
const partials = 1024

// Backend is the CUDA implementation of model.Backend on one device (a GPU
// through the CUDA driver, or the emulated device: see device in seam.go):
// one stream on which every operation is enqueued in call order, and the
// kernels of package kernels.
//
// A Backend is not safe for concurrent use: call it from one goroutine at a
// time (see the package documentation for why no goroutine of its own is
// needed).
type Backend struct {
	ordinal int
	drv     *driver
	mods    []module
	k       kernelSet
	sms     int

	scratch devPtr // partials floats for reductions
	flag    devPtr // one uint32: kernel error bits
	// flagHost receives the flag at Sync: its own allocation, made once at
	// Open, because cgo refuses a pointer into the Backend (which holds Go
	// pointers) and a fresh one per Sync would allocate.
	flagHost *uint32

	live      map[*allocation]struct{}
	err       error // first failure since the last Sync
	capturing bool
	closed    bool
}

var (
	_ model.Backend  = (*Backend)(nil)
	_ model.Capturer = (*Backend)(nil)
)

// allocation is one device allocation; Bufs and views point to it.
type allocation struct {
	ptr   devPtr
	n     int
	freed bool
}

// Buf is device memory: n float32 values starting at off elements into an
// allocation.
type Buf struct {
	a   *allocation
	off int
	n   int
	be  *Backend
}

// Len is the number of float32 elements.
func (b *Buf) Len() int { return b.n }

// ptr is the device address of the first element.
func (b *Buf) ptr() devPtr { return b.a.ptr + 4*devPtr(b.off) }

// Open starts a backend on the device with the given ordinal: it opens the
// device (on a GPU: retains its primary context and creates a stream),
// loads the embedded kernels and allocates the scratch memory the
// reductions use.
func Open(ordinal int) (*Backend, error) {
	drv, err := openDriver(ordinal)
	if err != nil {
		return nil, err
	}
	be := &Backend{ordinal: ordinal, drv: drv, live: map[*allocation]struct{}{}, flagHost: new(uint32)}
	if err := be.init(); err != nil {
		return nil, errors.Join(fmt.Errorf("gpu: opening device %d: %w", ordinal, err), be.release())
	}
	return be, nil
}

func (be *Backend) init() error {
	be.sms = be.drv.multiprocessors()
	byName := map[string]module{}
	for _, m := range kernels.Modules() {
		mod, err := be.drv.loadModule(m)
		if err != nil {
			return err
		}
		be.mods = append(be.mods, mod)
		byName[m.Name] = mod
	}
	var err error
	for _, f := range be.k.refs() {
		if *f.k, err = be.drv.function(byName[f.module], f.name); err != nil {
			return err
		}
	}
	if be.scratch, err = be.drv.alloc(4 * partials); err != nil {
		return fmt.Errorf("allocating reduction scratch: %w", err)
	}
	if be.flag, err = be.drv.alloc(4); err != nil {
		return fmt.Errorf("allocating the error flag: %w", err)
	}
	if err := be.drv.memsetD32(be.flag, 0, 1); err != nil {
		return fmt.Errorf("clearing the error flag: %w", err)
	}
	return nil
}

// fail records the first error, which Sync returns.
func (be *Backend) fail(err error) {
	if be.err == nil && err != nil {
		be.err = err
	}
}

// Name is "cuda".
func (be *Backend) Name() string { return "cuda" }

// Ordinal is the device number the backend was opened on.
func (be *Backend) Ordinal() int { return be.ordinal }

// usable reports why the backend cannot take host-side work now, or nil.
func (be *Backend) usable(op string) error {
	switch {
	case be.closed:
		return fmt.Errorf("gpu: %s: backend is closed", op)
	case be.capturing:
		return fmt.Errorf("gpu: %s: not allowed while capturing a graph (it touches host memory or synchronizes)", op)
	}
	return nil
}

// Sync waits for the work enqueued so far and returns the first error since
// the last Sync: a failed launch or driver call, or bad input a kernel
// detected (a step counter of 0, a label or row number out of range).
func (be *Backend) Sync() error {
	if err := be.usable("Sync"); err != nil {
		return err
	}
	err := be.err
	be.err = nil
	if serr := be.drv.sync(); serr != nil {
		// A kernel fault poisons the context: every later call fails too.
		return errors.Join(err, fmt.Errorf("gpu: waiting for the stream: %w", serr))
	}
	if ferr := be.drv.download(unsafe.Pointer(be.flagHost), be.flag, 4); ferr != nil {
		return errors.Join(err, fmt.Errorf("gpu: reading the kernel error flag: %w", ferr))
	}
	if bits := *be.flagHost; bits != 0 {
		// On the stream (the non-blocking stream does not wait for the
		// legacy stream's memset), before any later kernel can set it.
		if ferr := be.drv.memsetD32(be.flag, 0, 1); ferr != nil {
			return errors.Join(err, fmt.Errorf("gpu: clearing the kernel error flag: %w", ferr))
		}
		if err == nil {
			err = flagError(bits)
		}
	}
	return err
}

// flagError describes the kernel error bits.
func flagError(bits uint32) error {
	var msgs []string
	if bits&errAdamStep0 != 0 {
		msgs = append(msgs, "Adam: step counter is 0, want >= 1 (parameters left unchanged)")
	}
	if bits&errGatherRange != 0 {
		msgs = append(msgs, "GatherRows: batch runs past perm, or a row number is not an integer in range (rows set to NaN)")
	}
	if bits&errGatherBytes != 0 {
		msgs = append(msgs, "GatherBytes: batch runs past perm, or a row number is not an integer in range (rows set to NaN)")
	}
	if bits&errSoftmaxLabel != 0 {
		msgs = append(msgs, "SoftmaxXent: a label is not a class number in [0, classes) (loss NaN)")
	}
	if bits&errOneHotLabel != 0 {
		msgs = append(msgs, "OneHot: a label is not a class number in [0, classes) (its row's code set to NaN)")
	}
	if rest := bits &^ (errAdamStep0 | errGatherRange | errSoftmaxLabel | errOneHotLabel | errGatherBytes); rest != 0 {
		msgs = append(msgs, fmt.Sprintf("unknown kernel error bits %#x", rest))
	}
	return fmt.Errorf("gpu: %s", strings.Join(msgs, "; "))
}

// Close waits for pending work and releases every allocation, the kernels,
// the stream and the context. The backend is unusable afterwards.
func (be *Backend) Close() error {
	if be.closed {
		return nil
	}
	if be.capturing {
		return errors.New("gpu: Close: a graph capture is in progress")
	}
	err := be.Sync()
	for a := range be.live {
		if a.n > 0 {
			if ferr := be.drv.free(a.ptr); ferr != nil {
				err = errors.Join(err, fmt.Errorf("gpu: Close: freeing %d floats: %w", a.n, ferr))
			}
		}
		a.freed = true
	}
	be.live = nil
	return errors.Join(err, be.release())
}

// release frees what Open acquired; it tolerates a partial Open.
func (be *Backend) release() error {
	be.closed = true
	var err error
	if be.flag != 0 {
		err = errors.Join(err, be.drv.free(be.flag))
		be.flag = 0
	}
	if be.scratch != 0 {
		err = errors.Join(err, be.drv.free(be.scratch))
		be.scratch = 0
	}
	for _, m := range be.mods {
		err = errors.Join(err, be.drv.unloadModule(m))
	}
	be.mods = nil
	err = errors.Join(err, be.drv.close())
	if err != nil {
		return fmt.Errorf("gpu: releasing device %d: %w", be.ordinal, err)
	}
	return nil
}

// buf returns b as a live *Buf of this backend, panicking (a programming
// error, like a shape mismatch) otherwise.
func (be *Backend) buf(op, name string, b model.Buf) *Buf {
	d, ok := b.(*Buf)
	if !ok || d == nil {
		panic(fmt.Sprintf("gpu: %s: %s is a %T, not a Buf of the cuda backend", op, name, b))
	}
	if d.be != be {
		panic(fmt.Sprintf("gpu: %s: %s belongs to another cuda backend", op, name))
	}
	return d
}

// opt is buf for optional arguments: a nil interface or nil *Buf gives nil.
func (be *Backend) opt(op, name string, b model.Buf) *Buf {
	if b == nil {
		return nil
	}
	if d, ok := b.(*Buf); ok && d == nil {
		return nil
	}
	return be.buf(op, name, b)
}
