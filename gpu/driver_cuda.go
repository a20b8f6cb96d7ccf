//go:build cuda && !cudaemu

package gpu

/*
#cgo CFLAGS: -I/usr/local/cuda/include
#cgo LDFLAGS: -lcuda
#include <cuda.h>
#include <stdlib.h>

// gt_bind makes ctx current on the calling OS thread unless it already is.
// Every C entry point below calls it first, inside the same cgo call as the
// work, so the Go goroutine may have moved between OS threads since the
// previous call without harm.
static CUresult gt_bind(CUcontext ctx) {
	CUcontext cur = NULL;
	CUresult r = cuCtxGetCurrent(&cur);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	if (cur == ctx) {
		return CUDA_SUCCESS;
	}
	return cuCtxSetCurrent(ctx);
}

typedef struct {
	CUresult r;
	CUcontext ctx;
} gt_ctx_result;

static gt_ctx_result gt_current(void) {
	gt_ctx_result out = {CUDA_SUCCESS, NULL};
	out.r = cuCtxGetCurrent(&out.ctx);
	return out;
}

typedef struct {
	CUresult r;
	CUmodule mod;
} gt_mod_result;

// gt_module_load loads a fat binary (or cubin, or PTX text) into ctx,
// writing the JIT's error log (NUL-terminated) into log, of logSize bytes.
static gt_mod_result gt_module_load(CUcontext ctx, const void *image, char *log, unsigned int logSize) {
	gt_mod_result out = {CUDA_SUCCESS, NULL};
	out.r = gt_bind(ctx);
	if (out.r != CUDA_SUCCESS) {
		return out;
	}
	CUjit_option opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void *vals[2] = {log, (void *)(size_t)logSize};
	out.r = cuModuleLoadDataEx(&out.mod, image, 2, opts, vals);
	return out;
}

static CUresult gt_module_unload(CUcontext ctx, CUmodule m) {
	CUresult r = gt_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	return cuModuleUnload(m);
}

typedef struct {
	CUresult r;
	CUfunction fn;
} gt_fn_result;

static gt_fn_result gt_function(CUcontext ctx, CUmodule m, const char *name) {
	gt_fn_result out = {CUDA_SUCCESS, NULL};
	out.r = gt_bind(ctx);
	if (out.r != CUDA_SUCCESS) {
		return out;
	}
	out.r = cuModuleGetFunction(&out.fn, m, name);
	return out;
}

// gt_launch binds ctx and enqueues f on stream s, as a cooperative launch
// (every block resident at once, so that a grid-wide barrier can complete)
// when coop is set. args is a C array of pointers to the argument values
// (the driver copies the values before it returns, so the caller may
// overwrite them at once).
static CUresult gt_launch(CUcontext ctx, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
                          unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, CUstream s,
                          void **args, int coop) {
	CUresult r = gt_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	if (coop) {
		return cuLaunchCooperativeKernel(f, gx, gy, gz, bx, by, bz, shmem, s, args);
	}
	return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shmem, s, args, NULL);
}

// gt_args allocates n 8-byte argument slots and the array of n pointers to
// them that cuLaunchKernel takes. Free the pointer array with gt_args_free.
static void **gt_args(int n) {
	void **ptrs = (void **)malloc(n * sizeof(void *));
	unsigned long long *vals = (unsigned long long *)calloc(n, sizeof(unsigned long long));
	if (ptrs == NULL || vals == NULL) {
		free(ptrs);
		free(vals);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		ptrs[i] = &vals[i];
	}
	return ptrs;
}

static void *gt_args_values(void **ptrs) { return ptrs[0]; }

static void gt_args_free(void **ptrs) {
	if (ptrs != NULL) {
		free(ptrs[0]);
		free(ptrs);
	}
}

static const char *gt_error_name(CUresult r) {
	const char *s = NULL;
	if (cuGetErrorName(r, &s) != CUDA_SUCCESS || s == NULL) {
		return "CUDA_ERROR_UNKNOWN_CODE";
	}
	return s;
}

static const char *gt_error_string(CUresult r) {
	const char *s = NULL;
	if (cuGetErrorString(r, &s) != CUDA_SUCCESS || s == NULL) {
		return "unrecognized error code";
	}
	return s;
}

// Thread-local capture mode: driver calls that are unsafe during capture (a
// synchronization, a host allocation) fail when made from the capturing
// thread, which Backend.Capture keeps locked for the whole recording.
static CUresult gt_capture_begin(CUcontext ctx, CUstream s) {
	CUresult r = gt_bind(ctx);
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
	out.r = gt_bind(ctx);
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
	CUresult r = gt_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
	}
	return cuGraphLaunch(e, s);
}

static CUresult gt_graph_free(CUcontext ctx, CUgraphExec e) {
	CUresult r = gt_bind(ctx);
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
	"unsafe"

	"gorgonia.org/cu"

	"gan-train/kernels"
)

// Error is a failed CUDA driver call.
type Error struct {
	Op   string // what the backend was doing
	Code int    // the CUresult
	Name string // e.g. CUDA_ERROR_OUT_OF_MEMORY
	Desc string // the driver's description
}

func (e *Error) Error() string {
	return fmt.Sprintf("gpu: %s: %s (%s)", e.Op, e.Name, e.Desc)
}

// check converts a CUresult into an *Error naming op, or nil on success.
func check(op string, r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return &Error{
		Op:   op,
		Code: int(r),
		Name: C.GoString(C.gt_error_name(r)),
		Desc: C.GoString(C.gt_error_string(r)),
	}
}

// driver is the CUDA implementation of the device seam: the device's
// retained primary context, one non-blocking stream, and the preallocated
// kernel-argument array. Launches and graph calls are single cgo calls
// that bind the context themselves (gt_bind); the cold paths (memory,
// copies, sync) lock the goroutine to its thread and call
// gorgonia.org/cu's plain functions on the current context.
type driver struct {
	ordinal int
	dev     cu.Device
	pctx    cu.CUContext
	stream  cu.Stream
	sms     int
	ctx     C.CUcontext
	cstream C.CUstream
	args    *unsafe.Pointer  // C array of maxArgs pointers, args[i] = &vals[i]
	vals    *[maxArgs]uint64 // C memory: the argument values
}

// openDriver retains the primary context of device ordinal and creates the
// stream.
func openDriver(ordinal int) (*driver, error) {
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("gpu: counting CUDA devices: %w", err)
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("gpu: device ordinal %d: want 0 to %d (%d CUDA devices)", ordinal, n-1, n)
	}
	dev, err := cu.GetDevice(ordinal)
	if err != nil {
		return nil, fmt.Errorf("gpu: getting device %d: %w", ordinal, err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pctx, err := dev.RetainPrimaryCtx()
	if err != nil {
		return nil, fmt.Errorf("gpu: retaining the primary context of device %d: %w", ordinal, err)
	}
	d := &driver{ordinal: ordinal, dev: dev, pctx: pctx}
	if err := d.init(); err != nil {
		return nil, errors.Join(fmt.Errorf("gpu: opening device %d: %w", ordinal, err), d.close())
	}
	return d, nil
}

// init runs on openDriver's locked thread.
func (d *driver) init() error {
	if err := cu.SetCurrentContext(d.pctx); err != nil {
		return fmt.Errorf("making the primary context current: %w", err)
	}
	s, err := cu.MakeStream(cu.NonBlocking)
	if err != nil {
		return fmt.Errorf("creating a stream: %w", err)
	}
	d.stream = s
	d.cstream = C.CUstream(unsafe.Pointer(s.C()))
	cur := C.gt_current()
	if err := check("getting the current context", cur.r); err != nil {
		return err
	}
	d.ctx = cur.ctx
	if d.sms, err = d.dev.Attribute(cu.MultiprocessorCount); err != nil {
		return fmt.Errorf("reading the multiprocessor count: %w", err)
	}
	ptrs := C.gt_args(maxArgs)
	if ptrs == nil {
		return errors.New("allocating the kernel argument array: out of host memory")
	}
	d.args = ptrs
	d.vals = (*[maxArgs]uint64)(C.gt_args_values(ptrs))
	return nil
}

// close destroys the stream and releases the context; it tolerates a
// partial openDriver.
func (d *driver) close() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	if d.args != nil {
		C.gt_args_free(d.args)
		d.args, d.vals = nil, nil
	}
	if d.stream != (cu.Stream{}) {
		err = errors.Join(err, cu.SetCurrentContext(d.pctx), d.stream.Destroy())
		d.stream = cu.Stream{}
	}
	err = errors.Join(err, d.dev.ReleasePrimaryCtx())
	if err != nil {
		return fmt.Errorf("gpu: releasing device %d: %w", d.ordinal, err)
	}
	return nil
}

func (d *driver) multiprocessors() int { return d.sms }

// bind locks the calling goroutine to its OS thread and makes the context
// current there, for the cold paths that call gorgonia.org/cu's plain
// functions (each its own cgo call). The returned function unlocks.
func (d *driver) bind() (func(), error) {
	runtime.LockOSThread()
	if err := cu.SetCurrentContext(d.pctx); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("gpu: making the context current: %w", err)
	}
	return runtime.UnlockOSThread, nil
}

func (d *driver) alloc(bytes int64) (devPtr, error) {
	unbind, err := d.bind()
	if err != nil {
		return 0, err
	}
	defer unbind()
	p, err := cu.MemAlloc(bytes)
	return devPtr(p), err
}

// free waits for work in flight that may use the memory (cuMemFree does).
func (d *driver) free(p devPtr) error {
	unbind, err := d.bind()
	if err != nil {
		return err
	}
	defer unbind()
	return cu.MemFree(cu.DevicePtr(p))
}

func (d *driver) memsetD32(p devPtr, v uint32, n int64) error {
	unbind, err := d.bind()
	if err != nil {
		return err
	}
	defer unbind()
	return cu.MemsetD32Async(cu.DevicePtr(p), uint(v), n, d.stream)
}

// upload stages pageable host memory before it returns, so src may be
// reused at once.
func (d *driver) upload(dst devPtr, src unsafe.Pointer, bytes int64) error {
	unbind, err := d.bind()
	if err != nil {
		return err
	}
	defer unbind()
	return cu.MemcpyHtoDAsync(cu.DevicePtr(dst), src, bytes, d.stream)
}

func (d *driver) download(dst unsafe.Pointer, src devPtr, bytes int64) error {
	unbind, err := d.bind()
	if err != nil {
		return err
	}
	defer unbind()
	if err := cu.MemcpyDtoHAsync(dst, cu.DevicePtr(src), bytes, d.stream); err != nil {
		return err
	}
	if err := d.stream.Synchronize(); err != nil {
		return fmt.Errorf("waiting for the copy: %w", err)
	}
	return nil
}

func (d *driver) sync() error {
	unbind, err := d.bind()
	if err != nil {
		return err
	}
	defer unbind()
	return d.stream.Synchronize()
}

// module is one loaded kernel family.
type module struct {
	name string
	mod  C.CUmodule
}

// loadModule loads a kernel family's fat binary (see kernels.Module) into
// the driver's context: the driver picks the SASS for the device when the
// image has it (sm_80, sm_90) and JIT-compiles the PTX otherwise, writing
// the JIT's errors into the log.
func (d *driver) loadModule(m kernels.Module) (module, error) {
	const logSize = 8192
	if len(m.Image) == 0 {
		return module{}, fmt.Errorf("gpu: kernels/%s.fatbin is empty", m.Name)
	}
	img := C.CBytes(m.Image) // the driver reads it during the call only
	defer C.free(img)
	clog := (*C.char)(C.calloc(logSize, 1))
	defer C.free(unsafe.Pointer(clog))
	res := C.gt_module_load(d.ctx, img, clog, logSize)
	if err := check("loading kernels/"+m.Name+".fatbin", res.r); err != nil {
		if log := C.GoString(clog); log != "" {
			return module{}, fmt.Errorf("%w; JIT log: %s", err, log)
		}
		return module{}, err
	}
	return module{name: m.Name, mod: res.mod}, nil
}

func (d *driver) unloadModule(m module) error {
	return check("unloading kernels/"+m.name+".fatbin", C.gt_module_unload(d.ctx, m.mod))
}

// kernel is a function of a loaded module.
type kernel struct {
	name string
	fn   C.CUfunction
}

func (d *driver) function(m module, name string) (kernel, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	res := C.gt_function(d.ctx, m.mod, cname)
	if err := check("finding kernel "+name+" in kernels/"+m.name+".fatbin", res.r); err != nil {
		return kernel{}, err
	}
	return kernel{name: name, fn: res.fn}, nil
}

// launch enqueues k with the given argument values (each the bits of one
// parameter: a device pointer, an int32, a uint32, a float32 or a uint64,
// in the low bytes). It allocates nothing: the values go into the
// preallocated C array and one cgo call binds the context and launches.
func (d *driver) launch(k kernel, grid, block dim3, args ...uint64) error {
	return d.enqueue(k, grid, block, 0, false, args)
}

// launchCooperative is launch for kernels that synchronise the whole grid;
// the grid must fit on the device at once.
func (d *driver) launchCooperative(k kernel, grid, block dim3, shmem uint32, args ...uint64) error {
	return d.enqueue(k, grid, block, shmem, true, args)
}

func (d *driver) enqueue(k kernel, grid, block dim3, shmem uint32, coop bool, args []uint64) error {
	if len(args) > maxArgs {
		return fmt.Errorf("gpu: launching %s: %d arguments, at most %d", k.name, len(args), maxArgs)
	}
	copy(d.vals[:], args)
	c := C.int(0)
	if coop {
		c = 1
	}
	r := C.gt_launch(d.ctx, k.fn, C.uint(grid.x), C.uint(grid.y), C.uint(grid.z),
		C.uint(block.x), C.uint(block.y), C.uint(block.z), C.uint(shmem), d.cstream, d.args, c)
	if r != C.CUDA_SUCCESS {
		op := "launching "
		if coop {
			op = "cooperative launch of "
		}
		return check(op+k.name, r)
	}
	return nil
}

// graph is an instantiated CUDA graph.
type graph struct{ exec C.CUgraphExec }

func (d *driver) beginCapture() error {
	return check("beginning stream capture", C.gt_capture_begin(d.ctx, d.cstream))
}

func (d *driver) endCapture() (graph, error) {
	res := C.gt_capture_end(d.ctx, d.cstream)
	op := "ending stream capture"
	if res.stage == 1 {
		op = "instantiating the captured graph"
	}
	return graph{res.exec}, check(op, res.r)
}

func (d *driver) graphLaunch(g graph) error {
	return check("launching a captured graph", C.gt_graph_launch(d.ctx, g.exec, d.cstream))
}

func (d *driver) graphFree(g graph) error {
	if g.exec == nil {
		return nil
	}
	return check("freeing a captured graph", C.gt_graph_free(d.ctx, g.exec))
}

// Devices lists the CUDA devices the driver sees.
func Devices() ([]DeviceInfo, error) {
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("gpu: counting CUDA devices: %w", err)
	}
	infos := make([]DeviceInfo, 0, n)
	for i := 0; i < n; i++ {
		dev, err := cu.GetDevice(i)
		if err != nil {
			return nil, fmt.Errorf("gpu: device %d: %w", i, err)
		}
		info := DeviceInfo{Ordinal: i}
		if info.Name, err = dev.Name(); err != nil {
			return nil, fmt.Errorf("gpu: device %d: reading its name: %w", i, err)
		}
		if info.TotalMemory, err = dev.TotalMem(); err != nil {
			return nil, fmt.Errorf("gpu: device %d: reading its memory size: %w", i, err)
		}
		if info.Major, info.Minor, err = dev.ComputeCapability(); err != nil {
			return nil, fmt.Errorf("gpu: device %d: reading its compute capability: %w", i, err)
		}
		if info.SMs, err = dev.Attribute(cu.MultiprocessorCount); err != nil {
			return nil, fmt.Errorf("gpu: device %d: reading its multiprocessor count: %w", i, err)
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// DriverVersion is the CUDA version the installed driver supports, e.g.
// "13.0" (cuDriverGetVersion).
func DriverVersion() (string, error) {
	v := cu.Version()
	if v < 0 {
		return "", errors.New("gpu: cuDriverGetVersion failed")
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10), nil
}

// Emulated is false: this build runs kernels on a CUDA device.
const Emulated = false
