//go:build cuda

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

// gt_module_load JIT-compiles PTX text into ctx, writing the JIT's error
// log (NUL-terminated) into log, of logSize bytes.
static gt_mod_result gt_module_load(CUcontext ctx, const char *ptx, char *log, unsigned int logSize) {
	gt_mod_result out = {CUDA_SUCCESS, NULL};
	out.r = gt_bind(ctx);
	if (out.r != CUDA_SUCCESS) {
		return out;
	}
	CUjit_option opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void *vals[2] = {log, (void *)(size_t)logSize};
	out.r = cuModuleLoadDataEx(&out.mod, ptx, 2, opts, vals);
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

// gt_launch binds ctx and enqueues f on stream s. args is a C array of
// pointers to the argument values (cuLaunchKernel copies the values before
// it returns, so the caller may overwrite them at once).
static CUresult gt_launch(CUcontext ctx, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
                          unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, CUstream s,
                          void **args) {
	CUresult r = gt_bind(ctx);
	if (r != CUDA_SUCCESS) {
		return r;
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
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// maxArgs is the most parameters any kernel in kernels/ takes.
const maxArgs = 16

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

// driver holds the C handles the launch path uses directly, bypassing
// gorgonia.org/cu: the context, the stream (the same one cu's memory copies
// use) and the preallocated kernel-argument array.
type driver struct {
	ctx    C.CUcontext
	stream C.CUstream
	args   *unsafe.Pointer  // C array of maxArgs pointers, args[i] = &vals[i]
	vals   *[maxArgs]uint64 // C memory: the argument values
}

// newDriver captures the context current on the calling (locked) thread and
// the stream s, and allocates the argument array.
func newDriver(s cu.Stream) (*driver, error) {
	cur := C.gt_current()
	if err := check("getting the current context", cur.r); err != nil {
		return nil, err
	}
	ptrs := C.gt_args(maxArgs)
	if ptrs == nil {
		return nil, fmt.Errorf("gpu: allocating the kernel argument array: out of host memory")
	}
	return &driver{
		ctx:    cur.ctx,
		stream: C.CUstream(unsafe.Pointer(s.C())),
		args:   ptrs,
		vals:   (*[maxArgs]uint64)(C.gt_args_values(ptrs)),
	}, nil
}

func (d *driver) free() {
	C.gt_args_free(d.args)
	d.args, d.vals = nil, nil
}

// module is one loaded kernel family.
type module struct {
	name string
	mod  C.CUmodule
}

// loadModule JIT-compiles ptx into the driver's context.
func (d *driver) loadModule(name, ptx string) (module, error) {
	const logSize = 8192
	cptx := C.CString(ptx)
	defer C.free(unsafe.Pointer(cptx))
	clog := (*C.char)(C.calloc(logSize, 1))
	defer C.free(unsafe.Pointer(clog))
	res := C.gt_module_load(d.ctx, cptx, clog, logSize)
	if err := check("loading kernels/"+name+".ptx", res.r); err != nil {
		if log := C.GoString(clog); log != "" {
			return module{}, fmt.Errorf("%w; JIT log: %s", err, log)
		}
		return module{}, err
	}
	return module{name: name, mod: res.mod}, nil
}

func (d *driver) unloadModule(m module) error {
	return check("unloading kernels/"+m.name+".ptx", C.gt_module_unload(d.ctx, m.mod))
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
	if err := check("finding kernel "+name+" in kernels/"+m.name+".ptx", res.r); err != nil {
		return kernel{}, err
	}
	return kernel{name: name, fn: res.fn}, nil
}

// dim3 is a CUDA grid or block shape.
type dim3 struct{ x, y, z uint32 }

// launch enqueues k with the given argument values (each the bits of one
// parameter: a device pointer, an int32, a uint32, a float32 or a uint64,
// in the low bytes). It allocates nothing: the values go into the
// preallocated C array and one cgo call binds the context and launches.
func (d *driver) launch(k kernel, grid, block dim3, args ...uint64) error {
	if len(args) > maxArgs {
		return fmt.Errorf("gpu: launching %s: %d arguments, at most %d", k.name, len(args), maxArgs)
	}
	copy(d.vals[:], args)
	r := C.gt_launch(d.ctx, k.fn, C.uint(grid.x), C.uint(grid.y), C.uint(grid.z),
		C.uint(block.x), C.uint(block.y), C.uint(block.z), 0, d.stream, d.args)
	if r != C.CUDA_SUCCESS {
		return check("launching "+k.name, r)
	}
	return nil
}
