//go:build cudaemu

package cudaemu

/*
#cgo CXXFLAGS: -std=c++17 -O2 -g -fno-strict-aliasing -fsanitize=bounds -Wall -Wno-unused-function -Wno-unknown-pragmas
#cgo LDFLAGS: -lpthread
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// MaxArgs is the most parameters a launch passes.
const MaxArgs = 32

// Error is a failed call into the emulated device.
type Error struct {
	Op   string // what was being done
	Code int    // a GT_EMU_E* code of capi.h
	Msg  string // the runtime's description
}

func (e *Error) Error() string { return fmt.Sprintf("cudaemu: %s: %s", e.Op, e.Msg) }

// Fault reports whether the error is a kernel that misbehaved (a bad
// pointer, an index out of bounds, a write past an allocation, a deadlock).
func (e *Error) Fault() bool { return e.Code == C.GT_EMU_EFAULT }

// Device is one emulated device. It is not safe for concurrent use.
type Device struct {
	d    *C.gt_emu_device
	args *C.ulonglong // C array of MaxArgs argument slots
}

// Open starts an emulated device whose blocks run on the given number of
// host threads (0: one a CPU).
func Open(workers int) (*Device, error) {
	d := C.gt_emu_open(C.int(workers))
	if d == nil {
		return nil, errors.New("cudaemu: starting the device: out of host memory")
	}
	args := (*C.ulonglong)(C.calloc(MaxArgs, 8))
	if args == nil {
		C.gt_emu_close(d)
		return nil, errors.New("cudaemu: starting the device: out of host memory")
	}
	return &Device{d: d, args: args}, nil
}

// Close stops the workers and frees all device memory.
func (dev *Device) Close() {
	if dev.d == nil {
		return
	}
	C.gt_emu_close(dev.d)
	C.free(unsafe.Pointer(dev.args))
	dev.d, dev.args = nil, nil
}

// Workers is the number of host threads that run blocks.
func (dev *Device) Workers() int { return int(C.gt_emu_workers(dev.d)) }

func (dev *Device) check(op string, r C.int) error {
	if r == 0 {
		return nil
	}
	return &Error{Op: op, Code: int(r), Msg: C.GoString(C.gt_emu_error(dev.d))}
}

// Alloc returns the address of bytes of fresh device memory (which holds a
// NaN pattern, not zeros).
func (dev *Device) Alloc(bytes int64) (uint64, error) {
	var p C.ulonglong
	if err := dev.check(fmt.Sprintf("allocating %d bytes", bytes), C.gt_emu_alloc(dev.d, C.ulonglong(bytes), &p)); err != nil {
		return 0, err
	}
	return uint64(p), nil
}

// Free releases an allocation; it fails when a kernel wrote past its end.
func (dev *Device) Free(p uint64) error {
	return dev.check("freeing device memory", C.gt_emu_free(dev.d, C.ulonglong(p)))
}

// Memset32 sets count 32-bit words at p to v.
func (dev *Device) Memset32(p uint64, v uint32, count int64) error {
	return dev.check("memset", C.gt_emu_memset32(dev.d, C.ulonglong(p), C.uint(v), C.ulonglong(count)))
}

// CopyHtoD copies bytes from host memory at src to device address dst.
func (dev *Device) CopyHtoD(dst uint64, src unsafe.Pointer, bytes int64) error {
	return dev.check("host-to-device copy", C.gt_emu_htod(dev.d, C.ulonglong(dst), src, C.ulonglong(bytes)))
}

// CopyDtoH copies bytes from device address src to host memory at dst.
func (dev *Device) CopyDtoH(dst unsafe.Pointer, src uint64, bytes int64) error {
	return dev.check("device-to-host copy", C.gt_emu_dtoh(dev.d, dst, C.ulonglong(src), C.ulonglong(bytes)))
}

// Module checks that kernels/NAME.cu exists.
func (dev *Device) Module(name string) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return dev.check("loading module "+name, C.gt_emu_module(dev.d, cname))
}

// Function returns the handle of a kernel of a module.
func (dev *Device) Function(module, name string) (int, error) {
	cm, cn := C.CString(module), C.CString(name)
	defer C.free(unsafe.Pointer(cm))
	defer C.free(unsafe.Pointer(cn))
	var idx C.int
	if err := dev.check("finding kernel "+name, C.gt_emu_function(dev.d, cm, cn, &idx)); err != nil {
		return 0, err
	}
	return int(idx), nil
}

// Params is the number of parameters of kernel k.
func Params(k int) int { return int(C.gt_emu_kernel_params(C.int(k))) }

// Launch runs kernel k over the grid and returns when it has finished (or,
// while capturing, records it). Each argument is the bits of one parameter
// in its low bytes. It allocates nothing.
func (dev *Device) Launch(k int, grid, block [3]uint32, shmem uint32, cooperative bool, args ...uint64) error {
	if len(args) > MaxArgs {
		return &Error{Op: "launch", Code: C.GT_EMU_ELAUNCH, Msg: fmt.Sprintf("%d arguments, at most %d", len(args), MaxArgs)}
	}
	slots := unsafe.Slice((*uint64)(unsafe.Pointer(dev.args)), MaxArgs)
	copy(slots, args)
	coop := C.int(0)
	if cooperative {
		coop = 1
	}
	r := C.gt_emu_launch(dev.d, C.int(k), C.uint(grid[0]), C.uint(grid[1]), C.uint(grid[2]),
		C.uint(block[0]), C.uint(block[1]), C.uint(block[2]), C.uint(shmem), dev.args, C.int(len(args)), coop)
	if r != 0 {
		return dev.check("launch", r)
	}
	return nil
}

// BeginCapture starts recording launches instead of running them.
func (dev *Device) BeginCapture() error {
	return dev.check("beginning capture", C.gt_emu_capture_begin(dev.d))
}

// EndCapture stops recording and returns the recorded graph.
func (dev *Device) EndCapture() (int, error) {
	var g C.int
	if err := dev.check("ending capture", C.gt_emu_capture_end(dev.d, &g)); err != nil {
		return 0, err
	}
	return int(g), nil
}

// GraphLaunch replays a recorded graph's launches in order.
func (dev *Device) GraphLaunch(g int) error {
	return dev.check("launching a graph", C.gt_emu_graph_launch(dev.d, C.int(g)))
}

// GraphFree forgets a recorded graph.
func (dev *Device) GraphFree(g int) error {
	return dev.check("freeing a graph", C.gt_emu_graph_free(dev.d, C.int(g)))
}

// Stats are counters of the work the device has done.
type Stats struct {
	Launches, Blocks, Switches uint64
}

// Stats returns the counters so far.
func (dev *Device) Stats() Stats {
	var l, b, s C.ulonglong
	C.gt_emu_stats(dev.d, &l, &b, &s)
	return Stats{uint64(l), uint64(b), uint64(s)}
}
